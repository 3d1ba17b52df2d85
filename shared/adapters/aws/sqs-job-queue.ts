import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { JobMessage, JobQueue } from '#ports/job-queue.ts';
import { EnqueueError, MAX_DELAY_SECONDS } from './sqs-work-queue.ts';

/** The `replay` queue, which the replay worker consumes to advance operator jobs. */
export class SqsJobQueue implements JobQueue {
  constructor(private readonly deps: { client: SQSClient; queueUrl: string | undefined }) {}

  async enqueueJob(message: JobMessage, delaySeconds = 0): Promise<void> {
    if (!this.deps.queueUrl) throw new EnqueueError('no replay queue configured (LOA_QUEUE_URL_REPLAY)');
    await this.deps.client.send(
      new SendMessageCommand({
        QueueUrl: this.deps.queueUrl,
        MessageBody: JSON.stringify(message),
        DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(delaySeconds))),
      }),
    );
  }
}
