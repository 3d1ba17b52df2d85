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
  /** Logs a record whose handling threw (it is then reported as a batch item failure). */
  onFailure?: (error: unknown, msg: T) => void;
}

/**
 * An SQS consumer's partial batch: each record's message is handled in turn; a malformed one is a bug
 * to log, not work to retry, so it is dropped; one that throws is reported in `batchItemFailures`, so
 * SQS redelivers it after the visibility timeout and, after maxReceiveCount, moves it to the
 * dead-letter queue.
 */
export async function eachMessage<T>(
  records: readonly SQSRecord[],
  opts: BatchOptions<T>,
  handle: (msg: T, record: SQSRecord) => Promise<void>,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const [i, record] of records.entries()) {
    if (opts.outOfTime?.()) {
      failures.push(...records.slice(i).map((r) => ({ itemIdentifier: r.messageId })));
      break;
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
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
