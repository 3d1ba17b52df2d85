import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ATTEMPTABLE,
  type Delivery,
  type DeliveryStatus,
  MAX_ATTEMPTS_KEPT,
  TERMINAL,
} from '#domain/delivery.ts';
import type { DeliveryPage, DeliveryStore, OutcomeWrite } from '#ports/delivery-store.ts';
import {
  conditionalWrite,
  getItem,
  partitionOf,
  putIfAbsent,
  queryAll,
  type Table,
} from './dynamo-commands.ts';
import { deliveryItem, statusIndexes, toDelivery, updateExisting } from './dynamo-delivery-item.ts';
import { decodeCursor, encodeCursor, resumingFrom } from './dynamo-errors.ts';
import { INDEX, keys } from './table.ts';

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

/** The guard of a write on an attemptable delivery as `current` was read. */
function attemptableUnchanged(current: Delivery): Guard {
  return {
    condition: ATTEMPTABLE_UNCHANGED,
    values: { ...ATTEMPTABLE_VALUES, ':expected': current.attemptCount },
  };
}

/** Deliveries as one item each; attempts ride on the outcome write (two writes per successful delivery). */
export class DynamoDeliveryStore implements DeliveryStore {
  constructor(private readonly table: Table) {}

  create(d: Delivery): Promise<boolean> {
    // The id is derived from (agreement, channel, article, version): a repeated event creates nothing.
    return putIfAbsent(this.table, deliveryItem(d));
  }

  async get(deliveryId: string): Promise<Delivery | undefined> {
    const item = await getItem(this.table, keys.delivery(deliveryId), true);
    return item ? toDelivery(item) : undefined;
  }

  recordOutcome(current: Delivery, write: OutcomeWrite): Promise<boolean> {
    const attempts = [...(current.attempts ?? []), write.attempt].slice(-MAX_ATTEMPTS_KEPT);
    const at = write.attempt.at;
    const indexes = statusIndexes(current, write.status, at);
    const set: Record<string, unknown> = {
      status: write.status,
      attemptCount: current.attemptCount + 1,
      attempts,
      updatedAt: at,
      ...indexes,
      ...(write.nextAttemptAt && { nextAttemptAt: write.nextAttemptAt }),
      ...(write.lastError && { lastError: write.lastError }),
      ...(write.remoteId && { remoteId: write.remoteId }),
    };
    const remove = [
      ...(write.nextAttemptAt ? [] : ['nextAttemptAt']),
      // The attempts keep every error; lastError describes only a delivery that is not yet through.
      ...(write.lastError ? [] : ['lastError']),
      ...(INDEX.unfinished.pk in indexes ? [] : [INDEX.unfinished.pk, INDEX.unfinished.sk]),
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
      { ...set, ...statusIndexes(current, 'pending', at) },
      ['nextAttemptAt'],
      { condition: TERMINAL_UNCHANGED, values: { ':was': current.status, ':count': current.attemptCount } },
    );
    return ok ? { ...current, ...set, status: 'pending' } : undefined;
  }

  discardUnsent(current: Delivery, at: string, why: string): Promise<boolean> {
    return this.changeStatus(
      current.deliveryId,
      { status: 'discarded', updatedAt: at, lastError: why, ...statusIndexes(current, 'discarded', at) },
      ['nextAttemptAt', INDEX.unfinished.pk, INDEX.unfinished.sk],
      attemptableUnchanged(current),
    );
  }

  hold(current: Delivery, at: string): Promise<boolean> {
    // Off the unfinished index: the sweeper leaves it alone; its own message comes back to probe.
    return this.changeStatus(
      current.deliveryId,
      { status: 'held', updatedAt: at, ...statusIndexes(current, 'held', at) },
      ['nextAttemptAt', INDEX.unfinished.pk, INDEX.unfinished.sk],
      attemptableUnchanged(current),
    );
  }

  async release(deliveryId: string, at: string): Promise<Delivery | undefined> {
    const current = await this.get(deliveryId);
    if (current?.status !== 'held') return undefined;
    const set = { status: 'pending', updatedAt: at };
    const ok = await this.changeStatus(deliveryId, { ...set, ...statusIndexes(current, 'pending', at) }, [], {
      condition: STILL_HELD,
      values: { ':held': 'held' },
    });
    return ok ? { ...current, status: 'pending', updatedAt: at } : undefined;
  }

  /** Sets `set` and removes `remove` on the delivery, written only when `guard` holds. */
  private changeStatus(
    deliveryId: string,
    set: Record<string, unknown>,
    remove: string[],
    guard: Guard,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ...guard.values };
    const assignments = Object.entries(set).map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    const removals = remove.map((field, i) => {
      names[`#r${i}`] = field;
      return `#r${i}`;
    });
    return conditionalWrite(() =>
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.delivery(deliveryId),
          UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
          ConditionExpression: guard.condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
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

  async listByAgreement(
    agreementId: string,
    options: { status?: DeliveryStatus; limit: number; cursor?: string; oldestFirst?: boolean },
  ): Promise<DeliveryPage> {
    const index = options.status ? INDEX.byStatus : INDEX.byParent;
    const pk = options.status
      ? keys.deliveriesWithStatus(agreementId, options.status)
      : keys.deliveriesOf(agreementId);
    const out = await resumingFrom(options.cursor, () =>
      this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          ...partitionOf(index, pk),
          ScanIndexForward: options.oldestFirst === true,
          Limit: options.limit,
          ExclusiveStartKey: decodeCursor(options.cursor),
        }),
      ),
    );
    const cursor = encodeCursor(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map(toDelivery), ...(cursor && { cursor }) };
  }

  /** Every shard of the article's key (and the unsharded one), merged in the index's order: by version. */
  listByArticle(articleId: string): Promise<Delivery[]> {
    return this.queryShards(INDEX.byArticle, keys.deliveriesOfArticleShards(articleId), 10_000);
  }

  async listTombstonedBeforeMarkers(articleId: string): Promise<Delivery[]> {
    return (await this.queryShards(INDEX.byArticle, [`ARTICLE#${articleId}`], 10_000)).filter(
      (d) => d.withdrawnAt,
    );
  }

  /** Every version of the article on one agreement × channel: its one shard (and the unsharded key). */
  async listOnChannel(articleId: string, agreementId: string, channelId: string): Promise<Delivery[]> {
    const pks = [keys.deliveriesOfArticle(articleId, agreementId, channelId), `ARTICLE#${articleId}`];
    return (await this.queryShards(INDEX.byArticle, pks, 10_000)).filter(
      (d) => d.agreementId === agreementId && d.channelId === channelId,
    );
  }

  /** The oldest `limit` of every unfinished shard (and the unsharded key), oldest first. */
  async listUnfinished(limit: number): Promise<Delivery[]> {
    return (await this.queryShards(INDEX.unfinished, keys.unfinishedShards(), limit)).slice(0, limit);
  }

  /** Up to `max` items of each partition `pks` of `index`, merged by the index's sort key as one would be. */
  private async queryShards(index: Index, pks: string[], max: number): Promise<Delivery[]> {
    const sortKeyOf = (item: Record<string, unknown>) => ({
      key: String(item[index.sk] ?? ''),
      delivery: toDelivery(item),
    });
    const shards = await Promise.all(
      pks.map((pk) => queryAll(this.table, { ...partitionOf(index, pk), Limit: max }, sortKeyOf, max)),
    );
    return shards
      .flat()
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((s) => s.delivery);
  }
}

type Index = { name: string; pk: string; sk: string };
