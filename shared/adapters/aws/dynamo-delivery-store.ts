import {
  ATTEMPTABLE,
  type Delivery,
  type DeliveryStatus,
  MAX_ATTEMPTS_KEPT,
  storedCount,
  TERMINAL,
} from '#domain/delivery.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import type {
  CreateOptions,
  DeliveryPage,
  DeliveryStore,
  ListOptions,
  OutcomeWrite,
} from '#ports/delivery-store.ts';
import { afterOutcome } from '#ports/delivery-store.ts';
import { routedDeliveries } from '#ports/routing-log.ts';
import { fullItems, getItem, partitionOf, putIfAbsent, queryAll, type Table } from './dynamo-commands.ts';
import {
  byArticlePosition,
  deliveryItem,
  expiryOf,
  listIndexes,
  listRemovals,
  setAndRemove,
  toDelivery,
  updateExisting,
} from './dynamo-delivery-item.ts';
import { findDeliveries } from './dynamo-delivery-queries.ts';
import { DynamoRoutingLog } from './dynamo-routing-log.ts';
import { INDEX, type IndexShape, keys, projectsAll } from './table.ts';

/** A guard on a status change: the condition and the values it names (`#status` is always named). */
interface Guard {
  condition: string;
  values: Record<string, unknown>;
}

/** `:attemptable0, :attemptable1, …`: one placeholder per attemptable status. */
const ATTEMPTABLE_VALUES = Object.fromEntries(ATTEMPTABLE.map((s, i) => [`:attemptable${i}`, s]));

/**
 * Still attemptable (pending or retrying) and no attempt recorded since the caller read it: only the
 * worker holding the expected attempt count may write, so a duplicate message or a late worker finds
 * the count moved and writes nothing.
 */
const ATTEMPTABLE_UNCHANGED = `#status IN (${Object.keys(ATTEMPTABLE_VALUES).join(', ')}) AND attemptCount = :expected`;

/** Still the terminal status read, with no attempt since: two replays at once reopen it only once. */
const TERMINAL_UNCHANGED = '#status = :was AND attemptCount = :count';

/** Still held: two releases at once (a catch-up and the delivery's own message) move it only once. */
const STILL_HELD = '#status = :held';

/** No first pull recorded yet: the first pull that returned the item is the one kept. */
const NOT_PULLED_YET = 'attribute_not_exists(firstPulledAt)';

/** The guard of a write on an attemptable delivery as `current` was read (its stored attempt count). */
function attemptableUnchanged(current: Delivery): Guard {
  return {
    condition: ATTEMPTABLE_UNCHANGED,
    values: { ...ATTEMPTABLE_VALUES, ':expected': storedCount(current) },
  };
}

interface StoreOptions {
  /** Days a terminal delivery stays in the table (TTL); kept for ever when absent. */
  retentionDays?: number;
  /** The clock, in epoch ms (the deps' clock; the system's by default). */
  now?: () => number;
}

/**
 * Deliveries as one item each; attempts ride on the outcome write. A push routing sent unstored is
 * created by that write (one write per successful delivery); one routing wrote (a wait for an embargo,
 * a feed entry), a backfill's or a takedown notice is created, then updated.
 * Every status change writes the delivery's list keys (listIndexes) and removes what the new status
 * does not carry (listRemovals), so an item written before data model 2 is brought up to it by its next
 * write, and migrateToModel2 brings the rest.
 */
export class DynamoDeliveryStore implements DeliveryStore {
  /** Routing records name the deliveries routing made (listByArticle reads them). */
  private readonly routing: DynamoRoutingLog;

  constructor(
    private readonly table: Table,
    private readonly options: StoreOptions = {},
  ) {
    this.routing = new DynamoRoutingLog(table);
  }

  create(d: Delivery, options: CreateOptions = {}): Promise<boolean> {
    // The id is derived from (agreement, channel, article, version): a repeated event creates nothing.
    return putIfAbsent(this.table, deliveryItem(d, this.options.retentionDays, options.namedByRouting));
  }

  /**
   * The first write of a delivery routing sent unstored (Delivery.unstored): the item as the write
   * leaves it, put on the condition that none exists (one write where a create and an update were two);
   * false when one does (a duplicate message's worker, a withdrawal's or a newer version's discard got
   * there first). On its agreement's lists as its status says; named by its routing record, so not on
   * the article index.
   */
  private createAs(d: Delivery): Promise<boolean> {
    return putIfAbsent(this.table, deliveryItem(d, this.options.retentionDays, true));
  }

  /** The attributes of a change to `status` at `at`: its list keys and, once terminal, its expiry. */
  private listed(d: Delivery, status: DeliveryStatus, at: string) {
    return { ...listIndexes(d, status), ...expiryOf(status, at, this.options.retentionDays) };
  }

  async get(deliveryId: string): Promise<Delivery | undefined> {
    const item = await getItem(this.table, keys.delivery(deliveryId), true);
    return item ? toDelivery(item) : undefined;
  }

  /** BatchGetItem, strongly consistent: 100 deliveries a request, each as fresh as get() reads it. */
  async getMany(deliveryIds: readonly string[]): Promise<Map<string, Delivery>> {
    const found = await this.readByIds(deliveryIds, true);
    return new Map(found.map((d) => [d.deliveryId, d]));
  }

  recordOutcome(current: Delivery, write: OutcomeWrite): Promise<boolean> {
    if (current.unstored) return this.createAs(afterOutcome(current, write));
    const attempts = [...(current.attempts ?? []), write.attempt].slice(-MAX_ATTEMPTS_KEPT);
    const at = write.attempt.at;
    const set: Record<string, unknown> = {
      status: write.status,
      attemptCount: current.attemptCount + 1,
      attempts,
      updatedAt: at,
      ...this.listed(current, write.status, at),
      ...(write.nextAttemptAt && { nextAttemptAt: write.nextAttemptAt }),
      ...(write.retriesEndBy && { retriesEndBy: write.retriesEndBy }),
      ...(write.lastError && { lastError: write.lastError }),
      ...(write.remoteId && { remoteId: write.remoteId }),
    };
    const remove = [
      ...(write.nextAttemptAt ? [] : ['nextAttemptAt']),
      ...(write.retriesEndBy ? [] : ['retriesEndBy']),
      // The attempts keep every error; lastError describes only a delivery that is not yet through.
      ...(write.lastError ? [] : ['lastError']),
      ...listRemovals(write.status),
    ];
    return this.changeStatus(current.deliveryId, set, remove, attemptableUnchanged(current));
  }

  async reopenForReplay(deliveryId: string, at: string, replayId?: string): Promise<Delivery | undefined> {
    const current = await this.get(deliveryId);
    if (!current || !TERMINAL.includes(current.status)) return undefined;
    const set = {
      status: 'pending',
      updatedAt: at,
      replayCount: (current.replayCount ?? 0) + 1,
      // Kept apart from updatedAt, which the next attempt moves: when (and by which replay) it reopened.
      lastReplayAt: at,
      ...(replayId && { lastReplayId: replayId }),
    };
    const ok = await this.changeStatus(
      deliveryId,
      { ...set, ...this.listed(current, 'pending', at) },
      ['nextAttemptAt', 'retriesEndBy', ...listRemovals('pending')],
      { condition: TERMINAL_UNCHANGED, values: { ':was': current.status, ':count': current.attemptCount } },
    );
    return ok ? { ...current, ...set, status: 'pending' } : undefined;
  }

  discardUnsent(current: Delivery, at: string, why: string): Promise<boolean> {
    if (current.unstored) {
      return this.createAs({ ...unscheduled(current), status: 'discarded', updatedAt: at, lastError: why });
    }
    return this.changeStatus(
      current.deliveryId,
      { status: 'discarded', updatedAt: at, lastError: why, ...this.listed(current, 'discarded', at) },
      ['nextAttemptAt', 'retriesEndBy', ...listRemovals('discarded')],
      attemptableUnchanged(current),
    );
  }

  hold(current: Delivery, at: string): Promise<boolean> {
    if (current.unstored) return this.createAs({ ...unscheduled(current), status: 'held', updatedAt: at });
    // The sweeper leaves a held one alone; its own message comes back to probe. Attempts the worker
    // carried on the message since the last write are written with it.
    return this.changeStatus(
      current.deliveryId,
      {
        status: 'held',
        updatedAt: at,
        attemptCount: current.attemptCount,
        attempts: current.attempts.slice(-MAX_ATTEMPTS_KEPT),
        ...this.listed(current, 'held', at),
      },
      ['nextAttemptAt', 'retriesEndBy', ...listRemovals('held')],
      attemptableUnchanged(current),
    );
  }

  waitUntil(current: Delivery, until: string, at: string): Promise<boolean> {
    if (current.unstored) return this.createAs({ ...current, updatedAt: at, nextAttemptAt: until });
    return this.changeStatus(
      current.deliveryId,
      { updatedAt: at, nextAttemptAt: until, ...this.listed(current, current.status, at) },
      listRemovals(current.status),
      attemptableUnchanged(current),
    );
  }

  async release(deliveryId: string, at: string): Promise<Delivery | undefined> {
    const current = await this.get(deliveryId);
    if (current?.status !== 'held') return undefined;
    const set = { status: 'pending', updatedAt: at };
    const ok = await this.changeStatus(
      deliveryId,
      { ...set, ...this.listed(current, 'pending', at) },
      listRemovals('pending'),
      {
        condition: STILL_HELD,
        values: { ':held': 'held' },
      },
    );
    return ok ? { ...current, status: 'pending', updatedAt: at } : undefined;
  }

  /** Sets `set` and removes `remove` on the delivery, written only when `guard` holds. */
  private changeStatus(
    deliveryId: string,
    set: Record<string, unknown>,
    remove: string[],
    guard: Guard,
  ): Promise<boolean> {
    return setAndRemove(this.table, deliveryId, set, remove, guard);
  }

  recordFirstPull(deliveryId: string, at: string): Promise<boolean> {
    return updateExisting(this.table, deliveryId, {
      expression: 'SET firstPulledAt = :at',
      values: { ':at': at },
      condition: NOT_PULLED_YET,
    });
  }

  recordDownload(deliveryId: string, at: string): Promise<boolean> {
    return updateExisting(this.table, deliveryId, {
      expression: 'SET lastDownloadedAt = :at ADD downloads :one',
      values: { ':at': at, ':one': 1 },
    });
  }

  /**
   * One page of an agreement's listed deliveries, newest first (or oldest), of one status or all: the
   * open list for an open status, the list of all otherwise (docs/data-model.md).
   */
  listByAgreement(agreementId: string, options: ListOptions): Promise<DeliveryPage> {
    const { status, createdFrom, createdTo, ...page } = options;
    return findDeliveries(
      this.table,
      agreementId,
      {
        ...(status && { status }),
        ...(createdFrom && { createdFrom }),
        ...(createdTo && { createdTo }),
      },
      page,
    );
  }

  /**
   * Everywhere the article went: the deliveries its routing records name (every version's decisions'
   * channels, read by id, and those sent unstored whose first write is still to come, as the record
   * gives them: pending, `unstored`) and those on the article index (backfills, replays of a newer version,
   * takedown notices, and everything written before 2026-12-06), by version, agreement and channel.
   */
  async listByArticle(articleId: string): Promise<Delivery[]> {
    const [records, indexed] = await Promise.all([
      this.routing.list(articleId),
      this.queryShards(INDEX.byArticle, keys.deliveriesOfArticleShards(articleId), 10_000),
    ]);
    const known = new Set(indexed.map((d) => d.deliveryId));
    const named = records.flatMap((r) =>
      r.decisions.flatMap((d) =>
        (d.channels ?? []).map((channelId) => deliveryIdFor(d.agreementId, channelId, articleId, r.version)),
      ),
    );
    const read = await this.readByIds(named.filter((id) => !known.has(id)));
    for (const d of read) known.add(d.deliveryId);
    // Named but not written: sent unstored, its first write still to come. Only on records younger
    // than the retention, so an item that expired after it finished is not taken for one in flight.
    const { retentionDays, now = Date.now } = this.options;
    const since = retentionDays ? now() - retentionDays * 86_400_000 : 0;
    const inFlight = records
      .filter((r) => Date.parse(r.at) > since)
      .flatMap(routedDeliveries)
      .filter((d) => !known.has(d.deliveryId));
    return [...indexed, ...read, ...inFlight].sort(byArticleOrder);
  }

  async listTombstonedBeforeMarkers(articleId: string): Promise<Delivery[]> {
    return (await this.queryShards(INDEX.byArticle, [`ARTICLE#${articleId}`], 10_000)).filter(
      (d) => d.withdrawnAt,
    );
  }

  /**
   * Every version of the article on one agreement × channel, publishes and takedown notices: their ids
   * derive from the agreement, channel, article and version, so they are read by id for each version up
   * to the newest routed one (one Query for it, then BatchGetItem), whatever made them.
   */
  async listOnChannel(articleId: string, agreementId: string, channelId: string): Promise<Delivery[]> {
    const newest = await this.routing.newestVersion(articleId);
    const ids = Array.from({ length: newest }, (_, i) => i + 1).flatMap((version) => [
      deliveryIdFor(agreementId, channelId, articleId, version),
      deliveryIdFor(agreementId, channelId, articleId, version, 'withdrawal'),
    ]);
    return (await this.readByIds(ids)).sort(byArticleOrder);
  }

  /**
   * The deliveries of these ids that exist (BatchGetItem, 100 a request): eventually consistent, as an
   * index read would be, unless `consistent`.
   */
  private async readByIds(ids: readonly string[], consistent = false): Promise<Delivery[]> {
    if (ids.length === 0) return [];
    return (
      await fullItems(
        this.table,
        ids.map((id) => keys.delivery(id)),
        consistent,
      )
    ).map(toDelivery);
  }

  /**
   * Pending and retrying deliveries on the agreements' open lists (oldest first per agreement, at most
   * `limit` each), then those items written before data model 2 left on the unfinished index.
   */
  async listUnfinished(limit: number, agreementIds: readonly string[]): Promise<Delivery[]> {
    const attemptableOn = (agreementId: string) => {
      const q = partitionOf(INDEX.byStatus, keys.openOf(agreementId));
      return {
        ...q,
        FilterExpression: '#status IN (:pending, :retrying)',
        ExpressionAttributeNames: { ...q.ExpressionAttributeNames, '#status': 'status' },
        ExpressionAttributeValues: {
          ...q.ExpressionAttributeValues,
          ':pending': 'pending',
          ':retrying': 'retrying',
        },
        Limit: limit,
      };
    };
    // Sixteen agreements at a time: thousands of partners are as many small Queries.
    const open: Record<string, unknown>[][] = [];
    for (let i = 0; i < agreementIds.length; i += 16) {
      open.push(
        ...(await Promise.all(
          agreementIds
            .slice(i, i + 16)
            .map((id) => queryAll(this.table, attemptableOn(id), (entry) => entry, limit)),
        )),
      );
    }
    const entries = open.flat().slice(0, limit);
    const listed = projectsAll(INDEX.byStatus) ? entries : await fullItems(this.table, entries);
    const before = await this.queryShards(INDEX.unfinished, keys.unfinishedShards(), limit);
    return [...listed.map(toDelivery), ...before].slice(0, limit);
  }

  /**
   * Up to `max` items of each partition `pks` of `index`, merged by the index's sort key as one would
   * be, read back whole from the table when the index does not project them.
   */
  private async queryShards(index: Index, pks: string[], max: number): Promise<Delivery[]> {
    const sortKey = (item: Record<string, unknown>) => String(item[index.sk] ?? '');
    const shards = await Promise.all(
      pks.map((pk) => queryAll(this.table, { ...partitionOf(index, pk), Limit: max }, (e) => e, max)),
    );
    const entries = shards
      .flat()
      .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    return (projectsAll(index) ? entries : await fullItems(this.table, entries)).map(toDelivery);
  }
}

type Index = IndexShape;

/** A delivery without its schedule: what a hold or a discard leaves of it. */
function unscheduled(d: Delivery): Delivery {
  const { nextAttemptAt: _next, retriesEndBy: _end, ...rest } = d;
  return rest;
}

/** The article index's order: version, agreement, channel; a publish before its takedown notice. */
function byArticleOrder(a: Delivery, b: Delivery): number {
  const ka = `${byArticlePosition(a)}\u0000${a.kind ?? 'publish'}`;
  const kb = `${byArticlePosition(b)}\u0000${b.kind ?? 'publish'}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
