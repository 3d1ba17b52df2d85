import type { Delivery } from '#domain/delivery.ts';
import { planWithdrawal, republishRefusal, withdrawalNotice } from '#domain/withdrawal.ts';
import type { ContentWithdrawn } from '#schemas/events.ts';
import type { Deps } from './deps.ts';
import { enqueueGrouped } from './enqueue.ts';
import { withdrawFromFeeds } from './withdraw-from-feeds.ts';

export const WITHDRAWN_DISCARD_REASON = 'article withdrawn';

interface WithdrawResult {
  /** False when the article was already withdrawn (a repeated event). */
  marked: boolean;
  feeds: { withdrawn: number; already: number };
  /** Unsent pushed deliveries (webhook, broadcast, social) ended as discarded. */
  discarded: string[];
  /** Takedown notices created (and enqueued) for partners that had a version. */
  notices: string[];
}

/**
 * ContentWithdrawn: writes the article's withdrawal marker (conditional, so the first event's time and
 * reason stay), tombstones its feed items, discards its unsent pushed deliveries, and gives every
 * partner channel that received a version one tracked takedown delivery (webhook `article.withdrawn`,
 * broadcast kill notice, social posts deleted). Every write is
 * conditional and every id derived, so a repeated event writes and sends nothing new.
 */
export async function withdrawArticle(
  deps: Pick<Deps, 'deliveries' | 'feedIndex' | 'withdrawals' | 'queue' | 'clock'>,
  event: ContentWithdrawn,
): Promise<WithdrawResult> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const withdrawal = {
    articleId: event.articleId,
    withdrawnAt: event.withdrawnAt,
    ...(event.reason && { reason: event.reason }),
    at,
  };
  // The marker first: from here on no worker sends the article and routing refuses new versions.
  const marked = await deps.withdrawals.mark(withdrawal);
  const all = await deps.deliveries.listByArticle(event.articleId);
  const feeds = await withdrawFromFeeds(deps, event, all);

  const plan = planWithdrawal(all);
  const discarded: string[] = [];
  const lateDelivered: Delivery[] = [];
  for (const d of plan.discard) {
    if (await deps.deliveries.discardUnsent(d, at, WITHDRAWN_DISCARD_REASON)) {
      discarded.push(d.deliveryId);
      continue;
    }
    // It moved meanwhile: a worker that read no marker yet may just have delivered it.
    const moved = await deps.deliveries.get(d.deliveryId);
    if (moved?.status === 'delivered') lateDelivered.push(moved);
  }
  const final = planWithdrawal([...all.filter((d) => d.status === 'delivered'), ...lateDelivered]);
  const notices = final.notify.map((d) =>
    withdrawalNotice(d, withdrawal, now, final.remoteIds.get(`${d.agreementId}\u0000${d.channelId}`)),
  );
  const created: Delivery[] = [];
  for (const n of notices) if (await deps.deliveries.create(n)) created.push(n);
  await enqueueGrouped(deps, created);
  return { marked, feeds, discarded, notices: created.map((n) => n.deliveryId) };
}

/** Why a new version of `articleId` must not be routed (it was withdrawn), or undefined (one GetItem). */
export async function withdrawnProblem(
  deps: Pick<Deps, 'withdrawals'>,
  articleId: string,
): Promise<string | undefined> {
  const w = await deps.withdrawals.get(articleId);
  return w && republishRefusal(w);
}
