import type { ChannelType } from '#schemas/agreement.ts';

/**
 * A delivery moves pending → delivered | retrying → … → failed. `discarded` means it will never be
 * sent and is kept apart from failed. `held` waits, without attempts, for a paused endpoint (domain/
 * pause.ts) to be resumed, then goes back to pending; it is not terminal. `sending` is not written: the queue's visibility timeout is
 * the lease, which keeps a successful delivery at two writes (create, outcome).
 */
export const DELIVERY_STATUS = {
  pending: 'pending',
  retrying: 'retrying',
  delivered: 'delivered',
  failed: 'failed',
  discarded: 'discarded',
  held: 'held',
} as const;
export type DeliveryStatus = (typeof DELIVERY_STATUS)[keyof typeof DELIVERY_STATUS];

export const TERMINAL: readonly DeliveryStatus[] = ['delivered', 'failed', 'discarded'];
/** Statuses a worker may attempt from. */
export const ATTEMPTABLE: readonly DeliveryStatus[] = ['pending', 'retrying'];

const NEXT: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  pending: ['delivered', 'retrying', 'failed', 'discarded', 'held'],
  retrying: ['delivered', 'retrying', 'failed', 'discarded', 'held'],
  // Released by a resume, a successful probe, or its own message once the endpoint is up again.
  held: ['pending'],
  // Terminal statuses move only by an operator's replay, back to pending.
  delivered: ['pending'],
  failed: ['pending'],
  discarded: ['pending'],
};

/** Whether the status machine allows `from → to`. */
export function canMove(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return NEXT[from].includes(to);
}

export const ATTEMPT_TRIGGER = { scheduled: 'scheduled', manual: 'manual' } as const;
export type AttemptTrigger = (typeof ATTEMPT_TRIGGER)[keyof typeof ATTEMPT_TRIGGER];

/** One try of a delivery. */
export interface Attempt {
  n: number;
  at: string;
  trigger: AttemptTrigger;
  outcome: 'delivered' | 'retry' | 'failed';
  httpStatus?: number;
  error?: string;
  durationMs: number;
  /** Set when no request was made: the partner's circuit was open (the attempt counts all the same). */
  skipped?: 'circuit-open';
}

export const DELIVERY_KIND = { publish: 'publish', withdrawal: 'withdrawal' } as const;
export type DeliveryKind = (typeof DELIVERY_KIND)[keyof typeof DELIVERY_KIND];

/** One (agreement, channel, article version): the unit whose status is tracked. */
export interface Delivery {
  deliveryId: string;
  agreementId: string;
  partnerId: string;
  channelId: string;
  channelType: ChannelType;
  articleId: string;
  version: number;
  title: string;
  manifest: { bucket: string; key: string };
  status: DeliveryStatus;
  /**
   * What is sent: the article (`publish`, the default when absent) or a takedown notice for a version
   * the partner has (`withdrawal`, made by ContentWithdrawn; see domain/withdrawal.ts).
   */
  kind?: DeliveryKind;
  /** Webhook publish: `article.updated` when the partner already had an older version (routing decides). */
  event?: 'article.updated';
  /**
   * A publish on a pushed channel (webhook, broadcast, social) whose partner already has an older
   * version: which one, and what the channel called it. Routing sets it; the adapter corrects or
   * replaces what `remoteId` names (docs/social.md, docs/broadcast.md).
   */
  supersedes?: { version: number; remoteId?: string };
  /**
   * What the channel calls what this delivery created, from the outcome that delivered it: an X post
   * id, a Facebook post id, a Zalo article id, the broadcast item's key or URL.
   */
  remoteId?: string;
  /** A withdrawal on a channel that keeps posts: every post id the partner's account shows for the article. */
  takedown?: { remoteIds: string[] };
  /** Attempts made so far; the optimistic-lock counter for outcome writes. */
  attemptCount: number;
  /** The most recent attempts, newest last (bounded; older ones are summarised by attemptCount). */
  attempts: Attempt[];
  createdAt: string;
  updatedAt: string;
  nextAttemptAt?: string;
  lastError?: string;
  replayCount: number;
  /** Why routing created this delivery (see routing.ts). */
  reason: string;
  /** The article's embargo, as PackageReady stated it. */
  embargoUntil?: string;
  /** Feed channel: when the item enters the partner's feed (routing, or the embargo's end). */
  feedAt?: string;
  /** Feed channel: the newer version whose entry replaced this one in the feed (one entry per article). */
  supersededBy?: number;
  /** Feed channel: when a pull first returned the item, the partner's acknowledgement. */
  firstPulledAt?: string;
  /** When the CMS withdrew the article (ContentWithdrawn), and its reason, for operators. */
  withdrawnAt?: string;
  withdrawReason?: string;
  /** Downloads of its assets through the signed asset URL. */
  downloads?: number;
  lastDownloadedAt?: string;
  /** When an operator's replay last reopened it, and which replay (audit id) did. */
  lastReplayAt?: string;
  lastReplayId?: string;
}

/** How many attempts we keep on the delivery item itself. */
export const MAX_ATTEMPTS_KEPT = 20;
