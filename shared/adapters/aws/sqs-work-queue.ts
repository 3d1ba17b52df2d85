import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { LoaError } from '#domain/errors.ts';
import type { WorkMessage, WorkQueue } from '#ports/work-queue.ts';
import type { ChannelType } from '#schemas/agreement.ts';

/** SQS's largest DelaySeconds; longer waits are re-enqueued by the worker when the message arrives early. */
export const MAX_DELAY_SECONDS = 900;
const MAX_BATCH = 10;

export class EnqueueError extends LoaError {}

/** One SQS queue per channel kind, sent to in batches of ten. */
export class SqsWorkQueue implements WorkQueue {
  constructor(
    private readonly deps: { client: SQSClient; queueUrls: Partial<Record<ChannelType, string>> },
  ) {}

  async enqueue(channel: ChannelType, messages: WorkMessage[], delaySeconds = 0): Promise<void> {
    const queueUrl = this.deps.queueUrls[channel];
    if (!queueUrl) throw new EnqueueError(`no queue for channel kind ${channel}`);
    const delay = Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds)));
    for (let i = 0; i < messages.length; i += MAX_BATCH) {
      const chunk = messages.slice(i, i + MAX_BATCH);
      const out = await this.deps.client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((m, n) => ({
            Id: String(n),
            MessageBody: JSON.stringify(m),
            DelaySeconds: delay,
          })),
        }),
      );
      if (out.Failed?.length) {
        throw new EnqueueError(
          `queue refused ${out.Failed.length} message(s): ${out.Failed[0]?.Message ?? ''}`,
        );
      }
    }
  }
}
