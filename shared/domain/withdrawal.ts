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

/** What a withdrawal does to an article's webhook deliveries. */
export interface WithdrawalPlan {
  /** Publish deliveries not yet sent (pending/retrying): they must never be. */
  discard: Delivery[];
  /** Per agreement × channel, the newest version the partner has (delivered): it gets one notice. */
  notify: Delivery[];
}

const isPublish = (d: Delivery) => (d.kind ?? 'publish') === 'publish';

/**
 * Decides from all of an article's deliveries (every version, every channel) which webhook ones are
 * discarded and which partners are told. A failed or discarded delivery never reached the partner:
 * nothing to tell, unless an older version on the same channel was delivered.
 */
export function planWithdrawal(deliveries: readonly Delivery[]): WithdrawalPlan {
  const webhook = deliveries.filter((d) => d.channelType === 'webhook' && isPublish(d));
  const newest = new Map<string, Delivery>();
  for (const d of webhook) {
    if (d.status !== 'delivered') continue;
    const key = `${d.agreementId}\u0000${d.channelId}`;
    const seen = newest.get(key);
    if (!seen || seen.version < d.version) newest.set(key, d);
  }
  return {
    discard: webhook.filter((d) => ATTEMPTABLE.includes(d.status)),
    notify: [...newest.values()],
  };
}

/** The takedown notice for a delivered version: a tracked webhook delivery of its own, pending. */
export function withdrawalNotice(delivered: Delivery, withdrawal: ArticleWithdrawal, now: Date): Delivery {
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
  };
}

/** Why a new version of a withdrawn article is refused, as operators read it. */
export function republishRefusal(w: ArticleWithdrawal): string {
  return `article ${w.articleId} was withdrawn at ${w.withdrawnAt}; a withdrawn article is not republished`;
}
