import { BroadcastAdapter } from '#adapters/channels/broadcast.ts';
import type { HttpClient } from '#ports/http-client.ts';
import type { IngestStore } from '#ports/ingest-store.ts';
import { memorySecrets, PACKAGES_BUCKET, packageStore } from './broadcast-package.ts';
import { type LocalS3, startS3 } from './s3.ts';

/** A local S3 with the (empty) packages bucket that seedPackage fills. */
export async function startPackagesS3(): Promise<LocalS3> {
  const s3 = await startS3();
  await s3.createBucket(PACKAGES_BUCKET);
  return s3;
}

/** A BroadcastAdapter reading the packages bucket of `s3`, with `secrets` in an in-memory secret store. */
export function broadcastAdapterOn(
  s3: LocalS3,
  deps: { http: HttpClient; ingest: IngestStore; secrets?: Record<string, string>; provider?: string },
): BroadcastAdapter {
  const { secrets, ...rest } = deps;
  return new BroadcastAdapter({ ...rest, secrets: memorySecrets(secrets), packages: packageStore(s3) });
}
