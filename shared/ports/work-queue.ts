import type { Attempt, Delivery } from '#domain/delivery.ts';
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
  /**
   * The delivery as routing made it, when routing wrote no item for it (a push due at once, named by
   * its routing record): the worker attempts it from here and its first write creates the item
   * (Delivery.unstored). Absent once the item exists (retries, replays, the sweeper's copies).
   */
  routed?: RoutedDelivery;
}

/** What a routed delivery's message carries: the delivery's fields routing set (the rest follow). */
export type RoutedDelivery = Pick<
  Delivery,
  | 'agreementId'
  | 'partnerId'
  | 'channelId'
  | 'articleId'
  | 'version'
  | 'title'
  | 'manifest'
  | 'createdAt'
  | 'reason'
  | 'embargoUntil'
  | 'supersedes'
  | 'event'
> & { channelType: PushChannelType };

/** A routed delivery as its message carries it. */
export function routedOf(d: Delivery): RoutedDelivery {
  if (!isPushed(d.channelType)) throw new Error(`feed delivery ${d.deliveryId} has no queue message`);
  return {
    agreementId: d.agreementId,
    partnerId: d.partnerId,
    channelId: d.channelId,
    channelType: d.channelType,
    articleId: d.articleId,
    version: d.version,
    title: d.title,
    manifest: d.manifest,
    createdAt: d.createdAt,
    reason: d.reason,
    ...(d.embargoUntil && { embargoUntil: d.embargoUntil }),
    ...(d.supersedes && { supersedes: d.supersedes }),
    ...(d.event && { event: d.event }),
  };
}

/** The unstored delivery a routed message carries, as routing made it (pending, never attempted). */
export function fromRouted(deliveryId: string, r: RoutedDelivery): Delivery {
  return {
    deliveryId,
    ...r,
    status: 'pending',
    attemptCount: 0,
    attempts: [],
    updatedAt: r.createdAt,
    replayCount: 0,
    unstored: true,
  };
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
