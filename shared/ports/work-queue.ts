import type { Attempt } from '#domain/delivery.ts';
import type { ChannelType } from '#schemas/agreement.ts';

/** A unit of work for a channel worker: which delivery to attempt, and how it was triggered. */
export interface WorkMessage {
  deliveryId: string;
  trigger: 'scheduled' | 'manual';
  /**
   * The attempts made since the delivery was last written, when its retries ride on their messages:
   * the first failure is written (retrying), the attempts after it only at the end (delivered, failed,
   * discarded, held), which keeps a delivery that retries eight times near ten write units
   * (docs/data-model.md). `since` is the stored attempt count they follow; a message whose `since` no
   * longer matches the item is out of date and ends without a request.
   */
  carry?: CarriedAttempts;
}

export interface CarriedAttempts {
  since: number;
  attemptCount: number;
  attempts: Attempt[];
  nextAttemptAt: string;
  lastError?: string;
}

/** Channel types whose deliveries are pushed by a worker (a feed is pulled: it has no queue). */
export type PushChannelType = Exclude<ChannelType, 'feed'>;
export const PUSH_CHANNEL_TYPES: readonly PushChannelType[] = ['webhook', 'broadcast', 'social'];

/** Whether deliveries of this channel type go through a queue. */
export const isPushed = (type: ChannelType): type is PushChannelType => type !== 'feed';

/**
 * Receives of a delivery queue's message before SQS moves it to its dead-letter queue (the queues'
 * redrive policy, infra/wiring.ts). The deliver functions know it too: on the last receive, a
 * message whose handling still throws ends its delivery as failed rather than leaving it only on the
 * dead-letter queue (functions/deliver.ts).
 */
export const MAX_RECEIVES = 5;

/** One queue per pushed channel kind (SQS on AWS). Delays above the queue's maximum are clamped by the adapter. */
export interface WorkQueue {
  enqueue(channel: PushChannelType, messages: WorkMessage[], delaySeconds?: number): Promise<void>;
}
