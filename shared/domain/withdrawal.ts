import { ATTEMPTABLE, type Delivery } from './delivery.ts';
import { deliveryIdFor } from './ids.ts';

/** The article-level record that ContentWithdrawn leaves: once written, the article is never sent again. */
export interface ArticleWithdrawal {
  articleId: string;
  /** The CMS's time of the withdrawal. */
  withdrawnAt: string;
  reason?: string;
  /** When Loa processed it. */
  at: string;
}

/** What a withdrawal does to an article's pushed deliveries (webhook, broadcast, social). */
interface WithdrawalPlan {
  /** Publish deliveries not yet sent (pending/retrying): they must never be. */
  discard: Delivery[];
  /** Per agreement × channel, the newest version the partner has (delivered): it gets one notice. */
  notify: Delivery[];
  /**
   * Per agreement × channel, every id the channel gave a delivered version (oldest first): a social
   * takedown deletes them all (an X correction reply is a post of its own).
   */
  remoteIds: ReadonlyMap<string, string[]>;
}

const isPublish = (d: Delivery) => (d.kind ?? 'publish') === 'publish';
const isPushedChannel = (d: Delivery) => d.channelType !== 'feed';
const channelKey = (d: Delivery) => `${d.agreementId}\u0000${d.channelId}`;

/**
 * Decides from all of an article's deliveries (every version, every channel) which pushed ones are
 * discarded and which partners are told. A failed or discarded delivery never reached the partner:
 * nothing to tell, unless an older version on the same channel was delivered. Feeds are tombstoned
 * apart (withdraw-from-feeds.ts).
 */
export function planWithdrawal(deliveries: readonly Delivery[]): WithdrawalPlan {
  const pushed = deliveries.filter((d) => isPushedChannel(d) && isPublish(d));
  const newest = new Map<string, Delivery>();
  const delivered = pushed.filter((d) => d.status === 'delivered').sort((a, b) => a.version - b.version);
  const remoteIds = new Map<string, string[]>();
  for (const d of delivered) {
    const key = channelKey(d);
    newest.set(key, d);
    if (d.remoteId) remoteIds.set(key, [...(remoteIds.get(key) ?? []), d.remoteId]);
  }
  return {
    discard: pushed.filter((d) => ATTEMPTABLE.includes(d.status)),
    notify: [...newest.values()],
    remoteIds,
  };
}

/**
 * The takedown notice for a delivered version: a tracked delivery of its own, pending, on the same
 * channel (`remoteIds`: what a social takedown deletes, from planWithdrawal).
 */
export function withdrawalNotice(
  delivered: Delivery,
  withdrawal: ArticleWithdrawal,
  now: Date,
  remoteIds: readonly string[] = delivered.remoteId ? [delivered.remoteId] : [],
): Delivery {
  const at = now.toISOString();
  return {
    deliveryId: deliveryIdFor(
      delivered.agreementId,
      delivered.channelId,
      delivered.articleId,
      delivered.version,
      'withdrawal',
    ),
    agreementId: delivered.agreementId,
    partnerId: delivered.partnerId,
    channelId: delivered.channelId,
    channelType: delivered.channelType,
    articleId: delivered.articleId,
    version: delivered.version,
    title: delivered.title,
    manifest: delivered.manifest,
    status: 'pending',
    kind: 'withdrawal',
    attemptCount: 0,
    attempts: [],
    createdAt: at,
    updatedAt: at,
    replayCount: 0,
    reason: 'withdrawal',
    withdrawnAt: withdrawal.withdrawnAt,
    ...(withdrawal.reason && { withdrawReason: withdrawal.reason }),
    ...(delivered.channelType === 'social' && { takedown: { remoteIds: [...remoteIds] } }),
  };
}

/** Why a new version of a withdrawn article is refused, as operators read it. */
export function republishRefusal(w: ArticleWithdrawal): string {
  return `article ${w.articleId} was withdrawn at ${w.withdrawnAt}; a withdrawn article is not republished`;
}
