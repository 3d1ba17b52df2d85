import type { ChannelType } from '#schemas/agreement.ts';

/** A unit of work for a channel worker: which delivery to attempt, and how it was triggered. */
export interface WorkMessage {
  deliveryId: string;
  trigger: 'scheduled' | 'manual';
}

/** One queue per channel kind (SQS on AWS). Delays above the queue's maximum are clamped by the adapter. */
export interface WorkQueue {
  enqueue(channel: ChannelType, messages: WorkMessage[], delaySeconds?: number): Promise<void>;
}
