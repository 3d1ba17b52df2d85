import { ATTEMPTABLE, type Delivery } from '#domain/delivery.ts';
import { feedTime } from '#domain/feed.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import { decideRoute, ROUTE_REASON, type RouteDecision, withCorrection } from '#domain/routing.ts';
import { DISCARD_REASON, releaseAt } from '#domain/send-rules.ts';
import { isPushed } from '#ports/work-queue.ts';
import type { Agreement, Channel, ChannelType } from '#schemas/agreement.ts';
import type { PackageReady } from '#schemas/events.ts';
import { mapBounded } from './bounded.ts';
import type { Deps } from './deps.ts';
import { enqueueGrouped } from './enqueue.ts';

/** Conditional creates in flight per routed version (the SDK's DynamoDB client keeps 50 sockets). */
const CREATE_CONCURRENCY = 32;

/**
 * Creates per enqueue: a chunk's new pushes are enqueued as soon as its own creates returned (one
 * SendMessageBatch: SQS takes ten a request), not after the route's last create, so delivery starts
 * while the rest are still being created.
 */
export const ENQUEUE_CHUNK = 10;

interface RouteResult {
  decisions: RouteDecision[];
  created: string[];
  alreadyExisted: string[];
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
    // An embargo that ended before routing changes nothing about when or how this is sent: not kept.
    ...(ready.embargoUntil &&
      Date.parse(ready.embargoUntil) > Date.parse(at) && { embargoUntil: ready.embargoUntil }),
    // Feeds always hold embargoed items, whatever the agreement's mode: feed readers ignore embargo fields.
    ...(channel.type === 'feed' && { feedAt: feedTime(at, ready.embargoUntil) }),
  };
}

/**
 * Routes a packaged article version: decides per agreement, stores the decisions (naming every
 * delivery they make, with its channel's type and the partner), makes one delivery per covering
 * agreement × channel and enqueues the pushes. A push due now is not written: its message carries it
 * and its first attempt's outcome creates the item (Delivery.unstored), one write instead of two; a
 * feed delivery and a push that waits for an embargo are created here (conditional: a repeated event
 * creates nothing). The record is marked as not through until every push is enqueued, so a run that
 * fails or is killed (a Lambda timeout) part way leaves the mark; the retry then enqueues again the
 * pushes no attempt has written yet. Such a delivery is on no list until its first write, so this,
 * not the sweeper, is what keeps it from waiting unseen.
 */
export async function routePackage(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'routing' | 'feedIndex' | 'queue' | 'clock'>,
  ready: PackageReady,
): Promise<RouteResult> {
  const now = deps.clock.now();
  // Recorded before: a repeated event, or (with the mark set) the bus's retry of a run that failed part way.
  const previous = await deps.routing.routedBefore(ready.articleId, ready.version);
  const resumed = previous?.failedAt !== undefined;
  const agreements = await deps.agreements.list();
  // Wherever an earlier version went, the new one goes too (a correction), on those channels only.
  const earlier = await earlierVersions(deps, ready);
  const received = new Set([...earlier.channels].map((k) => k.split('\u0000')[0]));
  const decisions = agreements.map((a) =>
    withCorrection(decideRoute(a, ready, now), received.has(a.agreementId)),
  );
  const matched = agreements.filter((_, i) => decisions[i]?.reason === ROUTE_REASON.matched);
  const corrected = agreements
    .filter((_, i) => decisions[i]?.reason === ROUTE_REASON.correction)
    .map((a) => ({
      ...a,
      channels: a.channels.filter((c) => earlier.channels.has(channelKey(a.agreementId, c.channelId))),
    }));
  // The record names the channels of every delivery it makes: readers find them through it (their
  // ids derive from agreement, channel, article and version), not through the article index. A retry
  // or a repeated event keeps what the earlier run named too (an agreement's channels may have changed
  // in between, and what that run made is found only through the record).
  const before = previous ? await deps.routing.get(ready.articleId, ready.version) : undefined;
  const sentOn = new Map<string, { partnerId?: string; channels: Map<string, ChannelType | undefined> }>();
  for (const d of before?.decisions ?? []) {
    const channels = new Map((d.channels ?? []).map((c, i) => [c, d.channelTypes?.[i]] as const));
    sentOn.set(d.agreementId, { ...(d.partnerId && { partnerId: d.partnerId }), channels });
  }
  for (const a of [...matched, ...corrected]) {
    const channels = sentOn.get(a.agreementId)?.channels ?? new Map<string, ChannelType | undefined>();
    for (const c of a.channels) channels.set(c.channelId, c.type);
    sentOn.set(a.agreementId, { partnerId: a.partner.partnerId, channels });
  }
  await deps.routing.record({
    articleId: ready.articleId,
    version: ready.version,
    at: now.toISOString(),
    decisions: decisions.map((d) => {
      const sent = sentOn.get(d.agreementId);
      if (!sent || sent.channels.size === 0) return d;
      const types = [...sent.channels.values()];
      return {
        ...d,
        channels: [...sent.channels.keys()],
        // Types and partner let a reader rebuild a delivery whose first write is still to come.
        ...(types.every((t) => t !== undefined) && { channelTypes: types as ChannelType[] }),
        ...(sent.partnerId && { partnerId: sent.partnerId }),
      };
    }),
    // Kept so a backfill can route this version again to an agreement signed later.
    ready,
  });
  const options = { namedByRouting: true, updates: earlier.updates, resumed, routedBefore: !!previous };
  const deliver = async () => ({
    first: await deliverTo(deps, matched, ready, now, 'matched', options),
    second: await deliverTo(deps, corrected, ready, now, ROUTE_REASON.correction, options),
  });
  const { first, second } = await deliver().catch(async (error: unknown) => {
    // Best effort: when even the mark fails, what this run created waits for the unfinished sweep.
    await deps.routing
      .markFailed(ready.articleId, ready.version, deps.clock.now().toISOString())
      .catch(() => undefined);
    throw error;
  });
  const pushed = [...matched, ...corrected].flatMap((a) =>
    a.channels.filter((c) => isPushed(c.type)).map((c) => channelKey(a.agreementId, c.channelId)),
  );
  // Every create is enqueued: a repeated event from here on enqueues nothing again.
  await deps.routing.markThrough(ready.articleId, ready.version);
  await discardOlderUnsent(deps, earlier, ready.version, pushed, now.toISOString());
  const feeds = [...matched, ...corrected].flatMap((a) =>
    a.channels.filter((c) => c.type === 'feed').map((c) => channelKey(a.agreementId, c.channelId)),
  );
  await replaceInFeeds(deps, earlier, ready.version, feeds);
  return {
    decisions,
    created: [...first.created, ...second.created],
    alreadyExisted: [...first.alreadyExisted, ...second.alreadyExisted],
  };
}

const channelKey = (agreementId: string, channelId: string) => `${agreementId}\u0000${channelId}`;

/** What a new version supersedes on one agreement × channel: see Delivery.supersedes. */
type Superseded = ReadonlyMap<string, NonNullable<Delivery['supersedes']>>;

/** What routing learns of the article's earlier versions from one Query of the article index. */
interface Earlier {
  /** Per agreement × pushed channel: the newest older version delivered there, as Delivery.supersedes. */
  updates: Superseded;
  /** Per agreement × channel that received an older version (any channel): a correction goes there. */
  channels: ReadonlySet<string>;
  /** Feed deliveries of older versions: the new version's entry replaces them in the feed. */
  olderFeed: ReadonlyMap<string, string[]>;
  /** Pushed publishes of older versions not sent yet: never sent once a newer version is routed. */
  unsent: ReadonlyMap<string, Delivery[]>;
}

/**
 * Per agreement × channel, what the partner already has of the article (delivered publishes of older
 * versions). On a pushed channel the new version is an update of the newest one (webhook
 * `article.updated`, an X correction reply, a Facebook repost, a Zalo article update, a NewsML-G2 item
 * of a higher version). One Query of the article index per version routed (none for a first version).
 */
async function earlierVersions(deps: Pick<Deps, 'deliveries'>, ready: PackageReady): Promise<Earlier> {
  const updates = new Map<string, NonNullable<Delivery['supersedes']>>();
  const channels = new Set<string>();
  const olderFeed = new Map<string, string[]>();
  const unsent = new Map<string, Delivery[]>();
  if (ready.version <= 1) return { updates, channels, olderFeed, unsent };
  for (const d of await deps.deliveries.listByArticle(ready.articleId)) {
    const older = (d.kind ?? 'publish') === 'publish' && d.version < ready.version;
    if (!older) continue;
    const key = channelKey(d.agreementId, d.channelId);
    if (d.channelType === 'feed') olderFeed.set(key, [...(olderFeed.get(key) ?? []), d.deliveryId]);
    if (ATTEMPTABLE.includes(d.status)) unsent.set(key, [...(unsent.get(key) ?? []), d]);
    if (d.status !== 'delivered') continue;
    channels.add(key);
    if (!isPushed(d.channelType)) continue;
    const seen = updates.get(key);
    if (!seen || seen.version < d.version) {
      updates.set(key, { version: d.version, ...(d.remoteId && { remoteId: d.remoteId }) });
    }
  }
  return { updates, channels, olderFeed, unsent };
}

/** Ends older versions still waiting on the channels the new one goes to: an older one never follows it. */
async function discardOlderUnsent(
  deps: Pick<Deps, 'deliveries'>,
  earlier: Earlier,
  version: number,
  keys: string[],
  at: string,
) {
  const older = keys.flatMap((k) => earlier.unsent.get(k) ?? []);
  const why = `${DISCARD_REASON.superseded}: version ${version} routed`;
  await mapBounded(older, CREATE_CONCURRENCY, (d) => deps.deliveries.discardUnsent(d, at, why));
}

/** Hides older versions' entries from a feed that now holds the new one (idempotent: a repeat writes nothing). */
async function replaceInFeeds(
  deps: Pick<Deps, 'feedIndex'>,
  earlier: Earlier,
  version: number,
  keys: string[],
) {
  const ids = keys.flatMap((k) => earlier.olderFeed.get(k) ?? []);
  await mapBounded(ids, CREATE_CONCURRENCY, (id) => deps.feedIndex.supersede(id, version));
}

/**
 * Makes one delivery per agreement × channel and enqueues the new pushes (and, on a retry, those no
 * attempt has written yet: stillWaiting), grouped by delay, a chunk of ENQUEUE_CHUNK at a time as each
 * chunk's creates return. A push due now that the routing record names goes on its message unstored
 * (no create); the rest are created (conditional: one that exists is left alone). Routing and
 * backfills (whose deliveries no record names: all created) both come through here.
 */
export async function deliverTo(
  deps: Pick<Deps, 'deliveries' | 'queue'>,
  covered: Agreement[],
  ready: PackageReady,
  now: Date,
  reason = 'matched',
  options: {
    /** What the new version supersedes per agreement × channel (see earlierVersions). */
    updates?: Superseded;
    /** A retry of a run that failed part way: the existing pushes never attempted are enqueued too. */
    resumed?: boolean;
    /** An earlier run recorded this version (a repeated event, or a retry): it sent the unstored pushes. */
    routedBefore?: boolean;
    /** The routing record just written names these channels (CreateOptions.namedByRouting); a backfill's do not. */
    namedByRouting?: boolean;
  } = {},
): Promise<Omit<RouteResult, 'decisions'>> {
  const candidates = covered.flatMap((a) =>
    a.channels.map((channel) => {
      const delivery = newDelivery(
        a,
        channel,
        ready,
        now,
        releaseAt(a, channel.type, ready.embargoUntil, now),
        reason,
      );
      const supersedes = isPushed(channel.type)
        ? options.updates?.get(channelKey(a.agreementId, channel.channelId))
        : undefined;
      if (!supersedes) return { channel, delivery };
      const event = channel.type === 'webhook' ? { event: 'article.updated' as const } : {};
      return { channel, delivery: { ...delivery, supersedes, ...event } };
    }),
  );
  const delayOf = (d: Delivery) =>
    d.nextAttemptAt ? Math.max(0, Math.ceil((Date.parse(d.nextAttemptAt) - now.getTime()) / 1000)) : 0;
  // Pipelined: chunks of ENQUEUE_CHUNK go side by side, CREATE_CONCURRENCY creates in flight in all
  // (bounded: an article covered by hundreds of agreements × channels would otherwise open as many
  // DynamoDB requests at once, past the client's sockets and into throttling), and each chunk's new
  // pushes are enqueued as soon as its creates returned. The caller marks the routing record through
  // only once every chunk is enqueued: a run that fails or is killed after some chunks leaves the mark,
  // and its retry enqueues what this run created (a chunk enqueued twice is harmless: stillWaiting).
  // Pushes are chunked apart from the rest (feeds: nothing to enqueue), so each chunk of pushes fills
  // one SendMessageBatch; they go first, so delivery starts as early as it can. Results keep the
  // candidates' order.
  const numbered = candidates.map((c, i) => ({ ...c, i }));
  const chunksOf = (xs: typeof numbered) =>
    Array.from({ length: Math.ceil(xs.length / ENQUEUE_CHUNK) }, (_, k) =>
      xs.slice(k * ENQUEUE_CHUNK, (k + 1) * ENQUEUE_CHUNK),
    );
  const chunks = [
    ...chunksOf(numbered.filter((c) => isPushed(c.channel.type))),
    ...chunksOf(numbered.filter((c) => !isPushed(c.channel.type))),
  ];
  const perChunk = Math.max(1, Math.floor(CREATE_CONCURRENCY / ENQUEUE_CHUNK));
  // A chunk that fails stops new chunks; those under way finish (their creates enqueued) before the
  // route fails (mapBounded), so nothing of this invocation runs on after it returns.
  const chunked = await mapBounded(chunks, perChunk, async (chunk) => {
    const outcomes = await mapBounded(chunk, ENQUEUE_CHUNK, async (c) =>
      // A push due now that the routing record names is not written: its message carries it, and its
      // first write (the attempt's outcome) creates the item. A repeat or a retry made it before.
      options.namedByRouting && isPushed(c.channel.type) && !c.delivery.nextAttemptAt
        ? {
            ...c,
            delivery: { ...c.delivery, unstored: true as const },
            created: !options.routedBefore,
          }
        : {
            ...c,
            created: await deps.deliveries.create(c.delivery, {
              namedByRouting: options.namedByRouting === true,
            }),
          },
    );
    const existing = outcomes.filter((o) => !o.created).map((o) => o.delivery);
    const waiting = options.resumed ? await stillWaiting(deps, existing) : [];
    const created = outcomes.filter((o) => o.created).map((o) => o.delivery);
    await enqueueGrouped(deps, [...created, ...waiting], delayOf);
    return outcomes;
  });
  const outcomes = chunked.flat().sort((a, b) => a.i - b.i);
  const created = outcomes.filter((o) => o.created);
  const existing = outcomes.filter((o) => !o.created);
  return {
    created: created.map((o) => o.delivery.deliveryId),
    alreadyExisted: existing.map((o) => o.delivery.deliveryId),
  };
}

/**
 * Of the pushed deliveries an earlier run made, those still pending and never attempted, as stored,
 * and those it sent unstored whose first write has not come yet. A route that failed half way (after
 * some creates or sends, before or during the enqueue) is retried by the bus; without this those
 * deliveries would wait for the unfinished sweep (15–20 minutes), or, unstored, for nothing. They are
 * enqueued again, whether or not the failed run had enqueued them: a duplicate message is harmless,
 * because the worker writes its outcome conditionally on the attempt count it read, or on there being
 * no item yet (a second message finds it moved and writes nothing), and a partner that sees the same
 * request twice dedupes on the webhook-id (derived from the delivery id). Only a retry pays for this
 * (one read per pushed delivery, 100 a request): a mere repeated event (the bus's at-least-once)
 * enqueues nothing again.
 */
async function stillWaiting(
  deps: Pick<Deps, 'deliveries'>,
  existing: readonly Delivery[],
): Promise<Delivery[]> {
  const pushed = existing.filter((d) => isPushed(d.channelType));
  if (pushed.length === 0) return [];
  const stored = await deps.deliveries.getMany(pushed.map((d) => d.deliveryId));
  return pushed.flatMap((d) => {
    const s = stored.get(d.deliveryId);
    if (!s) return d.unstored ? [d] : [];
    return s.status === 'pending' && s.attemptCount === 0 ? [s] : [];
  });
}
