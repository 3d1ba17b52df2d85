import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import type * as z from 'zod';

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
  let next = 0;
  let outOfTime = false;
  const lane = async () => {
    while (next < records.length) {
      const i = next++;
      const record = records[i] as SQSRecord;
      if (outOfTime || opts.outOfTime?.()) {
        outOfTime = true;
        failed.add(i);
        continue;
      }
      const msg = opts.schema.safeParse(safeJson(record.body));
      if (!msg.success) {
        opts.logger.error(`malformed ${opts.what} message dropped`, { messageId: record.messageId });
        continue;
      }
      try {
        await handle(msg.data, record);
      } catch (error) {
        opts.onFailure?.(error, msg.data);
        failed.add(i);
      }
    }
  };
  const lanes = Math.max(1, Math.min(opts.concurrency ?? 1, records.length));
  await Promise.all(Array.from({ length: lanes }, lane));
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
