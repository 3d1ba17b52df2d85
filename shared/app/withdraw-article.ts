import { planWithdrawal, republishRefusal, withdrawalNotice } from '#domain/withdrawal.ts';
import type { ContentWithdrawn } from '#schemas/events.ts';
import { mapBounded } from './bounded.ts';
import type { Deps } from './deps.ts';
import { enqueueGrouped } from './enqueue.ts';
import { WITHDRAW_CONCURRENCY, withdrawFromFeeds } from './withdraw-from-feeds.ts';

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
 * conditional and every id derived, so a repeated event writes and sends nothing new. An article sent
 * to thousands is not written one by one toward the Lambda timeout: discards, takedown creates and
 * feed tombstones run `WITHDRAW_CONCURRENCY` at a time, and the takedowns are enqueued together (one
 * `enqueue` per channel kind, which the queue sends ten to a `SendMessageBatch`).
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
  // Each unsent delivery discarded, or read again: it moved meanwhile, and a worker that read no
  // marker yet may just have delivered it. Results in the plan's order.
  const outcomes = await mapBounded(plan.discard, WITHDRAW_CONCURRENCY, async (d) =>
    (await deps.deliveries.discardUnsent(d, at, WITHDRAWN_DISCARD_REASON))
      ? { id: d.deliveryId, discarded: true }
      : { id: d.deliveryId, discarded: false, moved: await deps.deliveries.get(d.deliveryId) },
  );
  const discarded = outcomes.filter((o) => o.discarded).map((o) => o.id);
  const lateDelivered = outcomes.flatMap((o) => (o.moved?.status === 'delivered' ? [o.moved] : []));
  const final = planWithdrawal([...all.filter((d) => d.status === 'delivered'), ...lateDelivered]);
  const notices = final.notify.map((d) =>
    withdrawalNotice(d, withdrawal, now, final.remoteIds.get(`${d.agreementId}\u0000${d.channelId}`)),
  );
  const wasCreated = await mapBounded(notices, WITHDRAW_CONCURRENCY, (n) => deps.deliveries.create(n));
  const created = notices.filter((_, i) => wasCreated[i]);
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
