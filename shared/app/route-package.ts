import type { Delivery } from '#domain/delivery.ts';
import { feedTime } from '#domain/feed.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import { decideRoute, type RouteDecision } from '#domain/routing.ts';
import type { Agreement, Channel } from '#schemas/agreement.ts';
import type { PackageReady } from '#schemas/events.ts';
import type { Deps } from './deps.ts';

export interface RouteResult {
  decisions: RouteDecision[];
  created: string[];
  alreadyExisted: string[];
}

/** When a webhook should first be tried: at once, or after the embargo for agreements that hold. */
function firstAttemptAt(agreement: Agreement, ready: PackageReady, now: Date): Date {
  if (agreement.embargo === 'hold' && ready.embargoUntil && Date.parse(ready.embargoUntil) > now.getTime()) {
    return new Date(ready.embargoUntil);
  }
  return now;
}

/** A new delivery of `ready` on one channel of an agreement (`reason`: why it was made, e.g. `backfill`). */
export function newDelivery(
  agreement: Agreement,
  channel: Channel,
  ready: PackageReady,
  now: Date,
  due: Date,
  reason = 'matched',
): Delivery {
  const at = now.toISOString();
  return {
    deliveryId: deliveryIdFor(agreement.agreementId, channel.channelId, ready.articleId, ready.version),
    agreementId: agreement.agreementId,
    partnerId: agreement.partner.partnerId,
    channelId: channel.channelId,
    channelType: channel.type,
    articleId: ready.articleId,
    version: ready.version,
    title: ready.title,
    manifest: ready.manifest,
    // A feed delivery is done when the article enters the partner's feed: now.
    status: channel.type === 'feed' ? 'delivered' : 'pending',
    attemptCount: 0,
    attempts: [],
    createdAt: at,
    updatedAt: at,
    ...(due > now && channel.type !== 'feed' && { nextAttemptAt: due.toISOString() }),
    replayCount: 0,
    reason,
    ...(ready.embargoUntil && { embargoUntil: ready.embargoUntil }),
    // Feeds always hold embargoed items, whatever the agreement's mode: feed readers ignore embargo fields.
    ...(channel.type === 'feed' && { feedAt: feedTime(at, ready.embargoUntil) }),
  };
}

/**
 * Routes a packaged article version: decides per agreement, stores the decisions, creates one
 * delivery per covering agreement × channel (conditional: a repeated event creates nothing) and
 * enqueues the new pushes. A crash between create and enqueue is healed by the unfinished sweep.
 */
export async function routePackage(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'queue' | 'clock'>,
  ready: PackageReady,
): Promise<RouteResult> {
  const now = deps.clock.now();
  const agreements = await deps.agreements.list();
  const decisions = agreements.map((a) => decideRoute(a, ready, now));
  await deps.deliveries.recordRouting({
    articleId: ready.articleId,
    version: ready.version,
    at: now.toISOString(),
    decisions,
    // Kept so a backfill can route this version again to an agreement signed later.
    ready,
  });
  const covered = agreements.filter((_, i) => decisions[i]?.covered);
  const updates = covered.length > 0 ? await updatedChannels(deps, ready) : new Set<string>();
  return { decisions, ...(await deliverTo(deps, covered, ready, now, 'matched', updates)) };
}

const channelKey = (agreementId: string, channelId: string) => `${agreementId}\u0000${channelId}`;

/**
 * The agreement × channel pairs whose partner already has an older version of the article (a
 * delivered webhook publish): there the new version goes out as `article.updated`. One Query of the
 * article index per version routed (none for a first version), not one per agreement.
 */
async function updatedChannels(deps: Pick<Deps, 'deliveries'>, ready: PackageReady): Promise<Set<string>> {
  if (ready.version <= 1) return new Set();
  const earlier = await deps.deliveries.listByArticle(ready.articleId);
  return new Set(
    earlier
      .filter(
        (d) =>
          d.channelType === 'webhook' &&
          (d.kind ?? 'publish') === 'publish' &&
          d.status === 'delivered' &&
          d.version < ready.version,
      )
      .map((d) => channelKey(d.agreementId, d.channelId)),
  );
}

/**
 * Creates one delivery per agreement × channel (conditional: one that exists is left alone) and
 * enqueues the new pushes, grouped by delay. Routing and backfills both come through here.
 */
export async function deliverTo(
  deps: Pick<Deps, 'deliveries' | 'queue'>,
  covered: Agreement[],
  ready: PackageReady,
  now: Date,
  reason = 'matched',
  /** Agreement × channel pairs (see updatedChannels) whose webhook gets `article.updated`. */
  updates: ReadonlySet<string> = new Set(),
): Promise<Omit<RouteResult, 'decisions'>> {
  const candidates = covered.flatMap((a) =>
    a.channels.map((channel) => {
      const delivery = newDelivery(a, channel, ready, now, firstAttemptAt(a, ready, now), reason);
      const updated = channel.type === 'webhook' && updates.has(channelKey(a.agreementId, channel.channelId));
      return { channel, delivery: updated ? { ...delivery, event: 'article.updated' as const } : delivery };
    }),
  );
  const outcomes = await Promise.all(
    candidates.map(async (c) => ({ ...c, created: await deps.deliveries.create(c.delivery) })),
  );

  const created = outcomes.filter((o) => o.created);
  const byDelay = new Map<number, string[]>();
  for (const { channel, delivery } of created) {
    if (channel.type !== 'webhook') continue;
    const delaySeconds = delivery.nextAttemptAt
      ? Math.ceil((Date.parse(delivery.nextAttemptAt) - now.getTime()) / 1000)
      : 0;
    byDelay.set(delaySeconds, [...(byDelay.get(delaySeconds) ?? []), delivery.deliveryId]);
  }
  for (const [delaySeconds, ids] of byDelay) {
    await deps.queue.enqueue(
      'webhook',
      ids.map((deliveryId) => ({ deliveryId, trigger: 'scheduled' as const })),
      delaySeconds,
    );
  }
  return {
    created: created.map((o) => o.delivery.deliveryId),
    alreadyExisted: outcomes.filter((o) => !o.created).map((o) => o.delivery.deliveryId),
  };
}
