import middy from '@middy/core';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { sqsPorts } from '#adapters/aws/wiring/sqs.ts';
import type { Deps } from '#app/deps.ts';
import { sweepUnfinished } from '#app/sweep-unfinished.ts';

/**
 * On a schedule (SCHEDULES in infra/wiring.ts): re-enqueues pending or retrying webhook deliveries
 * that are long past due, whose message was lost. Workers re-read a delivery before sending, so a
 * copy that finds it finished ends there.
 */
export function makeHandler(getDeps: () => Deps) {
  return middy().handler(async (): Promise<{ examined: number; requeued: number }> => {
    const deps = getDeps();
    const result = await sweepUnfinished(deps, { staleAfterMs: deps.config.sweepStaleAfterMs });
    return { examined: result.examined, requeued: result.requeued.length };
  });
}

// The table and the queues only.
export const handler = makeHandler(lambdaDeps(sqsPorts));
