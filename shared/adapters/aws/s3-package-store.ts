import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { MissingAssetError, NotFoundError } from '#domain/errors.ts';
import type { PackageStore } from '#ports/package-store.ts';

/** Whether an SDK error says the object is absent (a missing bucket is a configuration fault, not this). */
function isMissingObject(error: unknown): boolean {
  if (!(error instanceof Error) || error.name === 'NoSuchBucket') return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || status === 404;
}

/** `x-amz-copy-source` is a URL path: each key segment encoded, the slashes kept. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The packages bucket on S3 (or s3rver locally). */
export class S3PackageStore implements PackageStore {
  readonly bucket: string;
  readonly #s3: S3Client;

  constructor({ s3, bucket }: { s3: S3Client; bucket: string }) {
    this.#s3 = s3;
    this.bucket = bucket;
  }

  /** Server-side copy (the bytes never pass through Lambda), then a HEAD of the copy for its size. */
  async copyAsset(
    source: { bucket: string; key: string },
    destinationKey: string,
  ): Promise<{ sizeBytes: number }> {
    // A single CopyObject handles objects up to 5 GB; larger ones would need a multipart copy.
    try {
      await this.#s3.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: destinationKey,
          CopySource: copySource(source.bucket, source.key),
        }),
      );
    } catch (error) {
      if (isMissingObject(error)) {
        throw new MissingAssetError(`asset s3://${source.bucket}/${source.key} does not exist`, {
          cause: error,
        });
      }
      throw error;
    }
    const head = await this.#s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: destinationKey }));
    return { sizeBytes: head.ContentLength ?? 0 };
  }

  /** A streamed GET through SHA-256: memory stays flat whatever the object's size. */
  async digest(location: { bucket: string; key: string }): Promise<{ sha256: string; sizeBytes: number }> {
    let res: GetObjectCommandOutput;
    try {
      res = await this.#s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    } catch (error) {
      if (isMissingObject(error)) {
        throw new MissingAssetError(`asset s3://${location.bucket}/${location.key} does not exist`, {
          cause: error,
        });
      }
      throw error;
    }
    const hash = createHash('sha256');
    let sizeBytes = 0;
    for await (const chunk of (res.Body ?? []) as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      sizeBytes += chunk.byteLength;
    }
    return { sha256: hash.digest('hex'), sizeBytes };
  }

  /** Stores the ninjs manifest as UTF-8 JSON. */
  async putManifest(key: string, body: string): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: Buffer.from(body, 'utf8'),
        ContentType: 'application/json; charset=utf-8',
      }),
    );
  }

  /** Reads a manifest back as a string; NotFoundError when there is none. */
  async getManifest(key: string): Promise<string> {
    try {
      const res = await this.#s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new NotFoundError(`manifest s3://${this.bucket}/${key} has no body`);
      return await res.Body.transformToString('utf-8');
    } catch (error) {
      if (isMissingObject(error)) {
        throw new NotFoundError(`manifest s3://${this.bucket}/${key} does not exist`, { cause: error });
      }
      throw error;
    }
  }

  /** A streamed GET: the body is read as the caller consumes it. */
  async openObject(key: string): Promise<{ body: Readable; sizeBytes: number; contentType?: string }> {
    try {
      const res = await this.#s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new NotFoundError(`object s3://${this.bucket}/${key} has no body`);
      return {
        body: res.Body as Readable,
        sizeBytes: res.ContentLength ?? 0,
        ...(res.ContentType && { contentType: res.ContentType }),
      };
    } catch (error) {
      if (isMissingObject(error)) {
        throw new NotFoundError(`object s3://${this.bucket}/${key} does not exist`, { cause: error });
      }
      throw error;
    }
  }

  /** A presigned GET, signed locally (no request to S3). */
  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.#s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
