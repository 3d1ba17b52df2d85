import middy from '@middy/core';
import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import type { Deps } from '#app/deps.ts';
import { sealFacts } from '#app/seal-facts.ts';

/**
 * On a schedule (SCHEDULES in infra/wiring.ts, daily): seals each agreement's closed months into the
 * fact ledger, so reports keep their figures once delivery items are gone (docs/reports.md).
 */
export function makeHandler(getDeps: () => Deps) {
  return middy().handler(async (): Promise<{ sealed: number }> => {
    const deps = getDeps();
    const sealed = await sealFacts(deps);
    if (sealed.length > 0) deps.logger.info('sealed fact months', { sealed: sealed.length });
    return { sealed: sealed.length };
  });
}

export const handler = makeHandler(depsFromEnv);
