import type { Delivery } from '#domain/delivery.ts';
import { feedPosition } from '#domain/feed.ts';
import type { ContentWithdrawn } from '#schemas/events.ts';
import { mapBounded } from './bounded.ts';
import type { Deps } from './deps.ts';

/** Conditional writes a withdrawal keeps in flight at once (feed tombstones, discards, takedown creates). */
export const WITHDRAW_CONCURRENCY = 32;

/**
 * Takes a withdrawn article out of every partner feed: each of its feed deliveries (all versions)
 * is marked withdrawn and moved to the withdrawal's position, where ninjs and JSON Feed readers
 * meet its tombstone and RSS/Atom simply stop listing it. One conditional write per delivery,
 * `WITHDRAW_CONCURRENCY` in flight at once; a repeated event writes nothing.
 */
export async function withdrawFromFeeds(
  deps: Pick<Deps, 'deliveries' | 'feedIndex' | 'clock'>,
  event: ContentWithdrawn,
  /** The article's deliveries when the caller has already listed them. */
  listed?: Delivery[],
): Promise<{ withdrawn: number; already: number }> {
  // Our time, not the CMS's: a late event must still land after every cursor handed out so far.
  const at = deps.clock.now().toISOString();
  const feedDeliveries = (listed ?? (await deps.deliveries.listByArticle(event.articleId))).filter(
    (d) => d.channelType === 'feed',
  );
  const results = await mapBounded(feedDeliveries, WITHDRAW_CONCURRENCY, (d) =>
    deps.feedIndex.withdraw(d.deliveryId, {
      withdrawnAt: event.withdrawnAt,
      ...(event.reason && { reason: event.reason }),
      position: feedPosition(at, d.deliveryId),
    }),
  );
  const withdrawn = results.filter(Boolean).length;
  return { withdrawn, already: results.length - withdrawn };
}
