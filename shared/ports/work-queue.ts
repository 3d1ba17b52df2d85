import type { ChannelType } from '#schemas/agreement.ts';

/** A unit of work for a channel worker: which delivery to attempt, and how it was triggered. */
export interface WorkMessage {
  deliveryId: string;
  trigger: 'scheduled' | 'manual';
}

/** Channel types whose deliveries are pushed by a worker (a feed is pulled: it has no queue). */
export type PushChannelType = Exclude<ChannelType, 'feed'>;
export const PUSH_CHANNEL_TYPES: readonly PushChannelType[] = ['webhook', 'broadcast', 'social'];

/** Whether deliveries of this channel type go through a queue. */
export const isPushed = (type: ChannelType): type is PushChannelType => type !== 'feed';

/** One queue per pushed channel kind (SQS on AWS). Delays above the queue's maximum are clamped by the adapter. */
export interface WorkQueue {
  enqueue(channel: PushChannelType, messages: WorkMessage[], delaySeconds?: number): Promise<void>;
}
