import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { NotFoundError } from '#domain/errors.ts';
import { ChannelRefusal } from '#ports/channel-adapter.ts';
import type { PackageStore } from '#ports/package-store.ts';
import type { BroadcastAnswer, Target } from './broadcast-targets.ts';

/** Counts and hashes bytes on their way to the partner, so a 1 GB video is hashed without being held. */
class Measure extends Transform {
  bytes = 0;
  readonly hash: Hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/** What streaming one media file came to: the write's answer and what passed through. */
interface PushedMedia {
  answer: BroadcastAnswer;
  bytes: number;
  /** The size the package's object said it had. */
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the bytes sent; empty when they were not all sent. */
  sha256: string;
  /** The package's own copy could not be read: our side failed, not the partner. */
  sourceError: string | undefined;
}

/**
 * Opens one package object and pushes it through a Measure to the target. The source is destroyed
 * whatever happened, so no S3 connection is left open.
 */
export async function pushMedia(
  packages: PackageStore,
  target: Target,
  m: { key: string; path: string; contentType: string },
  n: number,
): Promise<PushedMedia> {
  let opened: Awaited<ReturnType<PackageStore['openObject']>>;
  try {
    opened = await packages.openObject(m.key);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new ChannelRefusal(`package object s3://${packages.bucket}/${m.key} is missing`);
    }
    throw error;
  }
  const measure = new Measure();
  let sourceError: string | undefined;
  // Errors flow one way only: a failing source fails the body; the client giving up on the body (a
  // timeout, an early answer) just unpipes it, and the source is closed below.
  opened.body.once('error', (error: Error) => {
    sourceError = error.message;
    measure.destroy(error);
  });
  opened.body.pipe(measure);
  try {
    const answer = await target.put(
      m.path,
      n,
      { stream: measure, sizeBytes: opened.sizeBytes },
      m.contentType,
    );
    // Every byte went through _transform before the request could end, so the digest is complete
    // when the byte count is.
    const whole = measure.bytes === opened.sizeBytes;
    return {
      answer,
      bytes: measure.bytes,
      sizeBytes: opened.sizeBytes,
      sha256: whole ? measure.hash.digest('hex') : '',
      sourceError,
    };
  } finally {
    if (!opened.body.destroyed) opened.body.destroy();
    if (!measure.destroyed) measure.destroy();
  }
}
