import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { eventsPorts } from '#adapters/aws/wiring/events.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
import { secretsPorts } from '#adapters/aws/wiring/secrets.ts';
import { sqsPorts } from '#adapters/aws/wiring/sqs.ts';
import { SocialAdapter } from '#adapters/channels/social/index.ts';
import type { Deps } from '#app/deps.ts';
import { makeDeliverHandler } from '../deliver.ts';

/** The social queue's consumer: posts, corrections and deletions on X, Facebook and Zalo (docs/social.md). */
export const makeHandler = (getDeps: () => Deps) =>
  makeDeliverHandler(getDeps, (deps) => ({ social: new SocialAdapter(deps) }));

// Every client: packages, queues (retries), the bus (DeliveryFailed), channel secrets.
export const handler = makeHandler(lambdaDeps(s3Ports, sqsPorts, eventsPorts, secretsPorts));
