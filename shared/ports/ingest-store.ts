import type { Readable } from 'node:stream';

/** Where a broadcast partner's S3 ingest is: its bucket and key, and the role that may write there. */
export interface IngestLocation {
  bucket: string;
  key: string;
  /** A role in the partner's account, assumed with `externalId` (AWS); absent: our own credentials. */
  roleArn?: string;
  externalId?: string;
}

/** The outcome of one write to a partner's bucket, in the terms the broadcast adapter classifies. */
export type IngestResult =
  | { kind: 'stored'; durationMs: number }
  /** S3's answer: `status` is its HTTP status (403 AccessDenied, 404 NoSuchBucket, 503 SlowDown, ...). */
  | { kind: 'refused'; status: number; code: string; durationMs: number }
  | { kind: 'network-error'; error: string; durationMs: number };

/**
 * Writes objects into partners' S3 buckets (the local S3 when run locally). A stream body is uploaded
 * in parts as it is read (multipart above one part), so a 1 GB video never sits in memory.
 */
export interface IngestStore {
  put(
    location: IngestLocation,
    body: string | Readable,
    meta: { contentType: string; contentLength?: number },
  ): Promise<IngestResult>;
}
