import { S3IngestStore } from '#adapters/aws/s3-ingest-store.ts';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { eventsPorts } from '#adapters/aws/wiring/events.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
import { secretsPorts } from '#adapters/aws/wiring/secrets.ts';
import { sqsPorts } from '#adapters/aws/wiring/sqs.ts';
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

// Every client: packages, queues (retries), the bus (DeliveryFailed), channel secrets.
export const handler = makeHandler(lambdaDeps(s3Ports, sqsPorts, eventsPorts, secretsPorts));
