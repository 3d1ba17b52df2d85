import middy from '@middy/core';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
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

// The table and S3 (the fact ledger) only.
export const handler = makeHandler(lambdaDeps(s3Ports));
