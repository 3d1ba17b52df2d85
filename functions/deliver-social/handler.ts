import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import { SocialAdapter } from '#adapters/channels/social/index.ts';
import type { Deps } from '#app/deps.ts';
import { makeDeliverHandler } from '../deliver.ts';

/** The social queue's consumer: posts, corrections and deletions on X, Facebook and Zalo (docs/social.md). */
export const makeHandler = (getDeps: () => Deps) =>
  makeDeliverHandler(getDeps, (deps) => ({ social: new SocialAdapter(deps) }));

export const handler = makeHandler(depsFromEnv);
