import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { sqsPorts } from '#adapters/aws/wiring/sqs.ts';
import type { Deps } from '#app/deps.ts';
import { runOpsJob } from '#app/ops/jobs.ts';
import { JobMessage } from '#app/ops/schemas.ts';
import { eachMessage } from '../sqs-batch.ts';

/** Local runs have no Lambda clock: they work this long before handing over. */
const LOCAL_BUDGET_MS = 20_000;
/** Kept back from the Lambda timeout for the last save and the hand-over message. */
const MARGIN_MS = 15_000;

/**
 * `replay` queue consumer: advances one operator job (bulk replay, backfill) at its rate until its
 * time is nearly up, then queues the next run. A job message that throws is retried by the queue.
 */
export function makeHandler(getDeps: () => Deps) {
  return middy<SQSEvent, SQSBatchResponse>().handler(async (event, context: Context) => {
    const deps = getDeps();
    const remaining = context.getRemainingTimeInMillis?.();
    const budgetMs = remaining ? Math.max(1000, Math.min(45_000, remaining - MARGIN_MS)) : LOCAL_BUDGET_MS;
    const onFailure = (error: unknown, msg: { jobId: string }) =>
      deps.logger.error('job run failed', { jobId: msg.jobId, error });
    const batch = { schema: JobMessage, what: 'job', logger: deps.logger, onFailure };
    return eachMessage(event.Records, batch, async (msg, record) => {
      const outcome = await runOpsJob(deps, msg.jobId, {
        owner: context.awsRequestId ?? record.messageId,
        budgetMs,
      });
      deps.logger.info('job run', { jobId: msg.jobId, outcome });
    });
  });
}

// The table and the queues (jobs, re-enqueued deliveries) only.
export const handler = makeHandler(lambdaDeps(sqsPorts));
