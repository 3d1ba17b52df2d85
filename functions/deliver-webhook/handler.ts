import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import { WebhookAdapter } from '#adapters/channels/webhook.ts';
import type { Deps } from '#app/deps.ts';
import { makeDeliverHandler } from '../deliver.ts';

/** The webhook queue's consumer: signed POSTs to partners' CMSs (docs/webhooks.md). */
export const makeHandler = (getDeps: () => Deps) =>
  makeDeliverHandler(getDeps, (deps) => ({ webhook: new WebhookAdapter(deps) }));

export const handler = makeHandler(depsFromEnv);
