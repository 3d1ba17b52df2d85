import type { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { Upload } from '@aws-sdk/lib-storage';
import type { IngestLocation, IngestResult, IngestStore } from '#ports/ingest-store.ts';
import { s3Client } from './clients.ts';

/**
 * Part size and parts in flight of a streamed upload: memory stays near QUEUE_SIZE × PART_SIZE
 * (plus the part being filled) whatever the object's size, and 8 MiB parts keep a 1 GB video at
 * 128 parts, far below S3's 10,000.
 */
export const PART_SIZE = 8 * 1024 * 1024;
export const QUEUE_SIZE = 2;

/** The session name partners see in their CloudTrail for our writes. */
const ROLE_SESSION_NAME = 'loa-broadcast';

/** An SDK error's HTTP status and code, when S3 answered at all. */
function s3Answer(error: unknown): { status: number; code: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (status === undefined) return undefined;
  const code = (error as { Code?: string }).Code ?? error.name;
  return { status, code };
}

/** A short reason for a failure without an answer: `ECONNREFUSED`, `ETIMEDOUT`, or the message. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return (error as NodeJS.ErrnoException).code ?? error.message;
}

/**
 * Writes broadcast packages into partners' S3 buckets with lib-storage's `Upload`: one PutObject
 * for a body of one part or less, a multipart upload above, read from the stream as it is sent.
 *
 * With a `roleArn` the write uses temporary credentials of that role in the partner's account,
 * assumed with the agreement id as external id (the confused-deputy guard: the partner's trust
 * policy names it). One client per role and external id, kept for the container's life; the
 * provider refreshes the credentials before they expire. Locally (`endpoint` set) there is no STS:
 * every write goes to the local S3 with the emulator's credentials, role or not.
 */
export class S3IngestStore implements IngestStore {
  readonly #region: string;
  readonly #endpoint: string | undefined;
  readonly #own: S3Client;
  readonly #byRole = new Map<string, S3Client>();

  constructor({ region, endpoint }: { region: string; endpoint?: string }) {
    this.#region = region;
    this.#endpoint = endpoint;
    this.#own = s3Client(region, endpoint);
  }

  async put(
    location: IngestLocation,
    body: string | Readable,
    meta: { contentType: string; contentLength?: number },
  ): Promise<IngestResult> {
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    const upload = new Upload({
      client: this.#clientFor(location),
      params: {
        Bucket: location.bucket,
        Key: location.key,
        Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
        ContentType: meta.contentType,
        ...(meta.contentLength !== undefined && { ContentLength: meta.contentLength }),
      },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      // A failed multipart upload is aborted: no orphan parts billed in the partner's bucket.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { kind: 'stored', durationMs: durationMs() };
    } catch (error) {
      const answer = s3Answer(error);
      if (answer) return { kind: 'refused', ...answer, durationMs: durationMs() };
      return { kind: 'network-error', error: describe(error), durationMs: durationMs() };
    }
  }

  /** Closes every client's connections (tests, and the local runtime when it stops). */
  close(): void {
    this.#own.destroy();
    for (const client of this.#byRole.values()) client.destroy();
    this.#byRole.clear();
  }

  #clientFor(location: IngestLocation): S3Client {
    if (!location.roleArn || this.#endpoint) return this.#own;
    const id = `${location.roleArn}\n${location.externalId ?? ''}`;
    let client = this.#byRole.get(id);
    if (!client) {
      client = new S3Client({
        region: this.#region,
        // A partner's bucket may live in another region than ours: follow S3's redirect to it.
        followRegionRedirects: true,
        credentials: fromTemporaryCredentials({
          params: {
            RoleArn: location.roleArn,
            RoleSessionName: ROLE_SESSION_NAME,
            ...(location.externalId && { ExternalId: location.externalId }),
          },
          clientConfig: { region: this.#region },
        }),
      });
      this.#byRole.set(id, client);
    }
    return client;
  }
}
