import middy from '@middy/core';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
import type { Deps } from '#app/deps.ts';
import { sealFacts } from '#app/seal-facts.ts';

/**
 * On a schedule (SCHEDULES in infra/wiring.ts, daily): seals each agreement's settled days into the
 * fact ledger and compacts its closed months, so reports keep their figures once delivery items are
 * gone (docs/reports.md). Returns how many day and month objects it wrote.
 */
export function makeHandler(getDeps: () => Deps) {
  return middy().handler(async (): Promise<{ days: number; months: number }> => {
    const deps = getDeps();
    const sealed = await sealFacts(deps);
    const counts = { days: sealed.days.length, months: sealed.months.length };
    if (counts.days + counts.months > 0) deps.logger.info('sealed facts', counts);
    return counts;
  });
}

// The table and S3 (the fact ledger) only.
export const handler = makeHandler(lambdaDeps(s3Ports));
