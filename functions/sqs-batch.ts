import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';
import { mapBounded } from '#app/bounded.ts';

interface BatchOptions<T> {
  /** What each record's body must be (JSON): only Loa writes to these queues. */
  schema: z.ZodType<T>;
  /** What a record carries, for the log line about a malformed one: `work`, `job`. */
  what: string;
  logger: Pick<Logger, 'error'>;
  /** Asked before each record: true hands that record and the rest back to the queue, untried. */
  outOfTime?: () => boolean;
  /** Records handled at once (default 1: one after the other, in the batch's order). */
  concurrency?: number;
  /** Logs a record whose handling threw (it is then reported as a batch item failure). */
  onFailure?: (error: unknown, msg: T) => void;
}

/**
 * An SQS consumer's partial batch: each record's message is handled, up to `concurrency` at once (one
 * at a time, in order, by default); a malformed one is a bug to log, not work to retry, so it is
 * dropped; one that throws is reported in `batchItemFailures`, so SQS redelivers it after the
 * visibility timeout and, after maxReceiveCount, moves it to the dead-letter queue. Records start in
 * the batch's order, `outOfTime` asked before each: once it says so, no record starts and every one
 * not started is handed back. The failures are listed in the batch's order whatever order they ended in.
 */
export async function eachMessage<T>(
  records: readonly SQSRecord[],
  opts: BatchOptions<T>,
  handle: (msg: T, record: SQSRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  const failed = new Set<number>();
  let outOfTime = false;
  // Never rejects (a failure is noted, not thrown), so every record gets its turn.
  const numbered = records.map((record, i) => ({ record, i }));
  await mapBounded(numbered, opts.concurrency ?? 1, async ({ record, i }) => {
    if (outOfTime || opts.outOfTime?.()) {
      outOfTime = true;
      failed.add(i);
      return;
    }
    const msg = opts.schema.safeParse(safeJson(record.body));
    if (!msg.success) {
      opts.logger.error(`malformed ${opts.what} message dropped`, { messageId: record.messageId });
      return;
    }
    try {
      await handle(msg.data, record);
    } catch (error) {
      opts.onFailure?.(error, msg.data);
      failed.add(i);
    }
  });
  return {
    batchItemFailures: records.filter((_, i) => failed.has(i)).map((r) => ({ itemIdentifier: r.messageId })),
  };
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
