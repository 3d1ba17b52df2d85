import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import { S3IngestStore } from '#adapters/aws/s3-ingest-store.ts';
import { BroadcastAdapter } from '#adapters/channels/broadcast.ts';
import type { Deps } from '#app/deps.ts';
import { makeDeliverHandler } from '../deliver.ts';

/**
 * The broadcast queue's consumer: MRSS + NewsML-G2 and the media, streamed to partners' ingest
 * buckets or endpoints (docs/broadcast.md).
 */
export const makeHandler = (getDeps: () => Deps) =>
  makeDeliverHandler(getDeps, (deps) => ({
    broadcast: new BroadcastAdapter({
      ...deps,
      ingest: new S3IngestStore({ region: deps.config.region, endpoint: deps.config.endpoints.s3 }),
    }),
  }));

export const handler = makeHandler(depsFromEnv);
