/**
 * Deliveries in memory, with the conditions of the Dynamo stores (docs/data-model.md): a write that
 * DynamoDB would refuse is refused here too (false), so use cases meet the same races in unit tests.
 */
import {
  ATTEMPTABLE,
  type Delivery,
  listedAtCreate,
  MAX_ATTEMPTS_KEPT,
  storedCount,
  TERMINAL,
} from '#domain/delivery.ts';
import { feedPosition } from '#domain/feed.ts';
import { type DeliveryFilter, type DeliveryQueries, PUSHED_CHANNELS } from '#ports/delivery-queries.ts';
import {
  afterOutcome,
  type DeliveryPage,
  type DeliveryStore,
  type ListOptions,
  type OutcomeWrite,
} from '#ports/delivery-store.ts';
import type { FeedIndex, FeedQuery, FeedRow } from '#ports/feed-index.ts';
import { type RoutingRecord, routedDeliveries } from '#ports/routing-log.ts';

const newestFirst = (a: Delivery, b: Delivery) => b.createdAt.localeCompare(a.createdAt);
const attemptable = (d: Delivery) => ATTEMPTABLE.includes(d.status);

/** One page of `all` from the offset a cursor names. */
function page(all: Delivery[], limit: number, cursor?: string): DeliveryPage {
  const from = Number(cursor ?? 0);
  const next = from + limit < all.length ? String(from + limit) : undefined;
  return { items: all.slice(from, from + limit), ...(next && { cursor: next }) };
}

/**
 * Deliveries by id; `items` is the table, `outcomes` every outcome written, in order. `listed` are the
 * deliveries on their agreement's lists (the Dynamo store's gsi1 and open list): from their creation
 * when listedAtCreate says so, else from their first write after it.
 */
export class MemoryDeliveryStore implements DeliveryStore {
  readonly items = new Map<string, Delivery>();
  readonly outcomes: OutcomeWrite[] = [];
  readonly listed = new Set<string>();

  constructor(initial: Delivery[] = []) {
    for (const d of initial) {
      this.items.set(d.deliveryId, structuredClone(d));
      this.listed.add(d.deliveryId);
    }
  }

  /** Every stored delivery, copied, that `keep` selects. */
  select(keep: (d: Delivery) => boolean): Delivery[] {
    return [...this.items.values()].filter(keep).map((d) => structuredClone(d));
  }

  /** Every listed delivery, copied, that `keep` selects (what the agreement's lists return). */
  selectListed(keep: (d: Delivery) => boolean): Delivery[] {
    return this.select((d) => this.listed.has(d.deliveryId) && keep(d));
  }

  async create(d: Delivery): Promise<boolean> {
    if (this.items.has(d.deliveryId)) return false;
    const { storedAttemptCount: _never, unstored: _notYet, ...stored } = d;
    this.items.set(d.deliveryId, structuredClone(stored));
    if (listedAtCreate(d)) this.listed.add(d.deliveryId);
    return true;
  }

  async get(deliveryId: string): Promise<Delivery | undefined> {
    return structuredClone(this.items.get(deliveryId));
  }

  /** Through get(), so a test that scripts get() scripts these reads too. */
  async getMany(deliveryIds: readonly string[]): Promise<Map<string, Delivery>> {
    const found = await Promise.all(deliveryIds.map((id) => this.get(id)));
    return new Map(found.flatMap((d) => (d ? [[d.deliveryId, d] as const] : [])));
  }

  async recordOutcome(current: Delivery, write: OutcomeWrite): Promise<boolean> {
    if (!this.unchanged(current)) return false;
    this.outcomes.push(write);
    // As stored, with the attempts the worker carried (Dynamo's update sets those from `current` too).
    const stored = this.items.get(current.deliveryId) ?? current;
    const { unstored: _notYet, ...next } = afterOutcome(
      { ...stored, attemptCount: current.attemptCount, attempts: current.attempts },
      write,
    );
    this.items.set(current.deliveryId, next);
    this.listed.add(current.deliveryId);
    return true;
  }

  async reopenForReplay(deliveryId: string, at: string, replayId?: string): Promise<Delivery | undefined> {
    const stored = this.items.get(deliveryId);
    if (!stored || !TERMINAL.includes(stored.status)) return undefined;
    const { nextAttemptAt: _next, retriesEndBy: _end, ...rest } = stored;
    this.listed.add(deliveryId);
    const reopened: Delivery = {
      ...rest,
      status: 'pending',
      updatedAt: at,
      replayCount: (stored.replayCount ?? 0) + 1,
      lastReplayAt: at,
      ...(replayId && { lastReplayId: replayId }),
    };
    this.items.set(deliveryId, reopened);
    return structuredClone(reopened);
  }

  async hold(current: Delivery, at: string): Promise<boolean> {
    return this.move(current, {
      status: 'held',
      updatedAt: at,
      attemptCount: current.attemptCount,
      attempts: current.attempts.slice(-MAX_ATTEMPTS_KEPT),
    });
  }

  async waitUntil(current: Delivery, until: string, at: string): Promise<boolean> {
    if (!this.unchanged(current)) return false;
    const { unstored: _notYet, ...stored } = this.items.get(current.deliveryId) ?? current;
    this.items.set(current.deliveryId, { ...stored, updatedAt: at, nextAttemptAt: until });
    this.listed.add(current.deliveryId);
    return true;
  }

  async release(deliveryId: string, at: string): Promise<Delivery | undefined> {
    const stored = this.items.get(deliveryId);
    if (stored?.status !== 'held') return undefined;
    const released: Delivery = { ...stored, status: 'pending', updatedAt: at };
    this.items.set(deliveryId, released);
    this.listed.add(deliveryId);
    return structuredClone(released);
  }

  async discardUnsent(current: Delivery, at: string, why: string): Promise<boolean> {
    return this.move(current, { status: 'discarded', updatedAt: at, lastError: why });
  }

  async recordFirstPull(deliveryId: string, at: string): Promise<boolean> {
    const stored = this.items.get(deliveryId);
    if (!stored || stored.firstPulledAt) return false;
    stored.firstPulledAt = at;
    return true;
  }

  async recordDownload(deliveryId: string, at: string): Promise<boolean> {
    const stored = this.items.get(deliveryId);
    if (!stored) return false;
    stored.downloads = (stored.downloads ?? 0) + 1;
    stored.lastDownloadedAt = at;
    return true;
  }

  async listByAgreement(agreementId: string, options: ListOptions): Promise<DeliveryPage> {
    const all = this.selectListed(
      (d) =>
        d.agreementId === agreementId &&
        (!options.status || d.status === options.status) &&
        (!options.createdFrom || d.createdAt >= options.createdFrom) &&
        (!options.createdTo || d.createdAt <= options.createdTo),
    ).sort(newestFirst);
    return page(options.oldestFirst ? all.reverse() : all, options.limit, options.cursor);
  }

  /** Routing's records, when the ports are wired together: listByArticle reads what they name unstored. */
  routing?: { list(articleId: string): Promise<RoutingRecord[]> };

  async listByArticle(articleId: string): Promise<Delivery[]> {
    const stored = this.select((d) => d.articleId === articleId);
    const records = (await this.routing?.list(articleId)) ?? [];
    const inFlight = records.flatMap(routedDeliveries).filter((d) => !this.items.has(d.deliveryId));
    return [...stored, ...inFlight];
  }

  async listTombstonedBeforeMarkers(articleId: string): Promise<Delivery[]> {
    return this.select((d) => d.articleId === articleId && d.withdrawnAt !== undefined);
  }

  async listOnChannel(articleId: string, agreementId: string, channelId: string): Promise<Delivery[]> {
    return this.select(
      (d) => d.articleId === articleId && d.agreementId === agreementId && d.channelId === channelId,
    );
  }

  async listUnfinished(limit: number, agreementIds: readonly string[]): Promise<Delivery[]> {
    return this.selectListed((d) => attemptable(d) && agreementIds.includes(d.agreementId)).slice(0, limit);
  }

  /** Still attemptable, with no attempt recorded since `current` was read (the Dynamo store's guard). */
  private unchanged(current: Delivery): boolean {
    const stored = this.items.get(current.deliveryId);
    // Sent unstored by routing: its first write creates the item, on the condition that none exists.
    if (current.unstored) return !stored;
    return !!stored && attemptable(stored) && stored.attemptCount === storedCount(current);
  }

  /** Moves an unchanged, attemptable delivery without an attempt (held, discarded). */
  private move(current: Delivery, change: Partial<Delivery>): boolean {
    if (!this.unchanged(current)) return false;
    const {
      nextAttemptAt: _next,
      retriesEndBy: _end,
      unstored: _notYet,
      ...rest
    } = this.items.get(current.deliveryId) ?? current;
    this.items.set(current.deliveryId, { ...rest, ...change });
    this.listed.add(current.deliveryId);
    return true;
  }
}

/** Whether a delivery matches an operator's filter (times bound `updatedAt`, both ends included). */
function matches(d: Delivery, f: DeliveryFilter): boolean {
  const channel =
    !f.channel ||
    (f.channel === PUSHED_CHANNELS
      ? d.channelType !== 'feed'
      : [d.channelId, d.channelType].includes(f.channel));
  return (
    channel &&
    (!f.status || d.status === f.status) &&
    (!f.articleId || d.articleId === f.articleId) &&
    (!f.since || d.updatedAt >= new Date(f.since).toISOString()) &&
    (!f.until || d.updatedAt <= new Date(f.until).toISOString())
  );
}

/** The operators' queries over a MemoryDeliveryStore's items. */
export class MemoryDeliveryQueries implements DeliveryQueries {
  constructor(private readonly store: MemoryDeliveryStore) {}

  readonly findByAgreement: DeliveryQueries['findByAgreement'] = async (agreementId, filter, p) => {
    const all = this.store.selectListed((d) => d.agreementId === agreementId && matches(d, filter));
    return page(all.sort(newestFirst), p.limit, p.cursor);
  };

  async countByAgreement(agreementId: string, filter: DeliveryFilter): Promise<number> {
    return this.store.selectListed((d) => d.agreementId === agreementId && matches(d, filter)).length;
  }

  async statusTimes(agreementId: string, status: Delivery['status'], since: string): Promise<string[]> {
    const changed = (d: Delivery) =>
      d.agreementId === agreementId && d.status === status && d.updatedAt >= since;
    return this.store.selectListed(changed).map((d) => d.updatedAt);
  }
}

/** The feed index over a MemoryDeliveryStore's items: feed deliveries by position. */
export class MemoryFeedIndex implements FeedIndex {
  /** Positions moved by a withdrawal; the others are where the delivery entered the feed. */
  private readonly moved = new Map<string, string>();

  constructor(private readonly store: MemoryDeliveryStore) {}

  async list(agreementId: string, query: FeedQuery): Promise<FeedRow[]> {
    const rows = this.store
      .select((d) => d.agreementId === agreementId && d.channelType === 'feed' && !!d.feedAt)
      .map((delivery) => ({ position: this.positionOf(delivery), delivery }))
      .filter((r) => r.position <= query.upTo && (!query.after || r.position > query.after))
      .sort((a, b) => a.position.localeCompare(b.position));
    return (query.after ? rows : rows.reverse()).slice(0, query.limit);
  }

  async withdraw(
    deliveryId: string,
    write: { withdrawnAt: string; reason?: string; position: string },
  ): Promise<boolean> {
    const stored = this.store.items.get(deliveryId);
    if (stored?.channelType !== 'feed' || !stored.feedAt || stored.withdrawnAt) return false;
    stored.withdrawnAt = write.withdrawnAt;
    if (write.reason) stored.withdrawReason = write.reason;
    this.moved.set(deliveryId, write.position);
    return true;
  }

  async supersede(deliveryId: string, version: number): Promise<boolean> {
    const stored = this.store.items.get(deliveryId);
    if (stored?.channelType !== 'feed' || !stored.feedAt) return false;
    if (stored.supersededBy !== undefined && stored.supersededBy >= version) return false;
    stored.supersededBy = version;
    return true;
  }

  private positionOf(d: Delivery): string {
    return this.moved.get(d.deliveryId) ?? feedPosition(d.feedAt ?? d.createdAt, d.deliveryId);
  }
}
