import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  ATTEMPTABLE,
  type Delivery,
  type DeliveryStatus,
  MAX_ATTEMPTS_KEPT,
  TERMINAL,
} from '#domain/delivery.ts';
import { feedPosition } from '#domain/feed.ts';
import type { ArticleWithdrawal } from '#domain/withdrawal.ts';
import type {
  DeliveryFilter,
  DeliveryPage,
  DeliveryStore,
  FeedQuery,
  FeedRow,
  OutcomeWrite,
  ReplayAudit,
  RoutingPage,
  RoutingRecord,
} from '#ports/delivery-store.ts';
import * as queries from './dynamo-delivery-queries.ts';
import { decodeCursor, encodeCursor, isConditionFailure, resumingFrom } from './dynamo-errors.ts';
import { INDEX, keys } from './table.ts';

const DELIVERY_FIELDS = [
  'deliveryId',
  'agreementId',
  'partnerId',
  'channelId',
  'channelType',
  'articleId',
  'version',
  'title',
  'manifest',
  'status',
  'kind',
  'event',
  'supersedes',
  'remoteId',
  'takedown',
  'attemptCount',
  'attempts',
  'createdAt',
  'updatedAt',
  'nextAttemptAt',
  'lastError',
  'replayCount',
  'reason',
  'embargoUntil',
  'feedAt',
  'firstPulledAt',
  'supersededBy',
  'withdrawnAt',
  'withdrawReason',
  'downloads',
  'lastDownloadedAt',
  'lastReplayAt',
  'lastReplayId',
] as const;

/** Index attributes that follow a delivery's status; `unfinished` is present only while it is. */
function statusIndexes(d: Pick<Delivery, 'agreementId' | 'deliveryId'>, status: DeliveryStatus, at: string) {
  return {
    [INDEX.byStatus.pk]: keys.deliveriesWithStatus(d.agreementId, status),
    [INDEX.byStatus.sk]: `${at}#${d.deliveryId}`,
    ...(ATTEMPTABLE.includes(status) && {
      [INDEX.unfinished.pk]: keys.unfinished,
      [INDEX.unfinished.sk]: at,
    }),
  };
}

/** A new delivery as its table item, with every index key it starts with (benchmarks batch-write these). */
export function deliveryItem(d: Delivery): Record<string, unknown> {
  return {
    ...keys.delivery(d.deliveryId),
    entity: 'delivery',
    ...d,
    [INDEX.byParent.pk]: keys.deliveriesOf(d.agreementId),
    [INDEX.byParent.sk]: `DELIVERY#${d.createdAt}#${d.deliveryId}`,
    [INDEX.byArticle.pk]: keys.article(d.articleId),
    [INDEX.byArticle.sk]: `V#${String(d.version).padStart(8, '0')}#${d.agreementId}#${d.channelId}`,
    ...statusIndexes(d, d.status, d.updatedAt),
    // Only feed deliveries are on the feed index, at the time they enter the feed.
    ...(d.channelType === 'feed' &&
      d.feedAt && {
        [INDEX.feed.pk]: keys.feedOf(d.agreementId),
        [INDEX.feed.sk]: feedPosition(d.feedAt, d.deliveryId),
      }),
  };
}

const { routingSortKey } = queries;

function toDelivery(item: Record<string, unknown>): Delivery {
  const picked = Object.fromEntries(DELIVERY_FIELDS.filter((f) => f in item).map((f) => [f, item[f]]));
  return picked as unknown as Delivery;
}

/** Deliveries as one item each; attempts ride on the outcome write (two writes per successful delivery). */
export class DynamoDeliveryStore implements DeliveryStore {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  create(d: Delivery): Promise<boolean> {
    // The id is derived from (agreement, channel, article, version): a repeated event creates nothing.
    return this.putIfAbsent(deliveryItem(d));
  }

  /** Writes an item unless its key exists; false when it did. */
  private async putIfAbsent(item: Record<string, unknown>): Promise<boolean> {
    try {
      await this.deps.client.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(deliveryId: string): Promise<Delivery | undefined> {
    const out = await this.deps.client.send(
      new GetCommand({
        TableName: this.deps.tableName,
        Key: keys.delivery(deliveryId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toDelivery(out.Item) : undefined;
  }

  async recordOutcome(current: Delivery, write: OutcomeWrite): Promise<boolean> {
    const expectedAttemptCount = current.attemptCount;
    const attempts = [...(current.attempts ?? []), write.attempt].slice(-MAX_ATTEMPTS_KEPT);
    const at = write.attempt.at;
    const indexes = statusIndexes(current, write.status, at);
    const set: Record<string, unknown> = {
      status: write.status,
      attemptCount: expectedAttemptCount + 1,
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
    return this.conditionalUpdate(current.deliveryId, set, remove, {
      // Only a worker holding the expected attempt count of an attemptable delivery may write:
      // a duplicate message or a late worker finds the count moved and writes nothing.
      condition: '#status IN (:s0, :s1) AND attemptCount = :expected',
      values: { ':s0': ATTEMPTABLE[0], ':s1': ATTEMPTABLE[1], ':expected': expectedAttemptCount },
    });
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
    const ok = await this.conditionalUpdate(
      deliveryId,
      { ...set, ...statusIndexes(current, 'pending', at) },
      ['nextAttemptAt'],
      // Still the terminal status we read: two replays at once reopen it only once.
      {
        condition: '#status = :was AND attemptCount = :count',
        values: { ':was': current.status, ':count': current.attemptCount },
      },
    );
    return ok ? { ...current, ...set, status: 'pending' } : undefined;
  }

  private async conditionalUpdate(
    deliveryId: string,
    set: Record<string, unknown>,
    remove: string[],
    guard: { condition: string; values: Record<string, unknown> },
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
    try {
      await this.deps.client.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: keys.delivery(deliveryId),
          UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
          ConditionExpression: guard.condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
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
      this.deps.client.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': index.pk },
          ExpressionAttributeValues: { ':pk': pk },
          ScanIndexForward: options.oldestFirst === true,
          Limit: options.limit,
          ExclusiveStartKey: decodeCursor(options.cursor),
        }),
      ),
    );
    const cursor = encodeCursor(out.LastEvaluatedKey);
    return { items: (out.Items ?? []).map(toDelivery), ...(cursor && { cursor }) };
  }

  async listFeed(agreementId: string, query: FeedQuery): Promise<FeedRow[]> {
    const { after, upTo, limit } = query;
    // A cursor at or past the visibility bound (clocks differ by more than the settle time): nothing yet.
    if (after && after >= upTo) return [];
    // BETWEEN is inclusive, so a page after a cursor reads one more row and drops the cursor's own.
    const range = after ? '#sk BETWEEN :after AND :upTo' : '#sk <= :upTo';
    const out = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        IndexName: INDEX.feed.name,
        KeyConditionExpression: `#pk = :pk AND ${range}`,
        ExpressionAttributeNames: { '#pk': INDEX.feed.pk, '#sk': INDEX.feed.sk },
        ExpressionAttributeValues: {
          ':pk': keys.feedOf(agreementId),
          ':upTo': upTo,
          ...(after && { ':after': after }),
        },
        ScanIndexForward: Boolean(after),
        Limit: after ? limit + 1 : limit,
      }),
    );
    return (out.Items ?? [])
      .map((item) => ({ position: String(item[INDEX.feed.sk]), delivery: toDelivery(item) }))
      .filter((row) => row.position !== after)
      .slice(0, limit);
  }

  recordFirstPull(deliveryId: string, at: string): Promise<boolean> {
    return this.guardedUpdate(
      deliveryId,
      'SET firstPulledAt = :at',
      { ':at': at },
      'attribute_not_exists(firstPulledAt)',
    );
  }

  recordDownload(deliveryId: string, at: string): Promise<boolean> {
    return this.guardedUpdate(deliveryId, 'SET lastDownloadedAt = :at ADD downloads :one', {
      ':at': at,
      ':one': 1,
    });
  }

  withdrawFromFeed(
    deliveryId: string,
    write: { withdrawnAt: string; reason?: string; position: string },
  ): Promise<boolean> {
    const reason = write.reason ? ', withdrawReason = :reason' : '';
    return this.guardedUpdate(
      deliveryId,
      `SET withdrawnAt = :withdrawnAt${reason}, ${INDEX.feed.sk} = :position`,
      {
        ':withdrawnAt': write.withdrawnAt,
        ':position': write.position,
        ...(write.reason && { ':reason': write.reason }),
      },
      // Only a feed delivery moves on the feed index, and only once.
      `attribute_exists(${INDEX.feed.pk}) AND attribute_not_exists(withdrawnAt)`,
    );
  }

  supersedeInFeed(deliveryId: string, version: number): Promise<boolean> {
    return this.guardedUpdate(
      deliveryId,
      'SET supersededBy = :version',
      { ':version': version },
      // A feed delivery only, and never back to an older replacement.
      `attribute_exists(${INDEX.feed.pk}) AND (attribute_not_exists(supersededBy) OR supersededBy < :version)`,
    );
  }

  markWithdrawn(w: ArticleWithdrawal): Promise<boolean> {
    // The first ContentWithdrawn wins; a repeated one keeps the original time and reason.
    return this.putIfAbsent({ ...keys.withdrawal(w.articleId), entity: 'withdrawal', ...w });
  }

  async getWithdrawal(articleId: string): Promise<ArticleWithdrawal | undefined> {
    const out = await this.deps.client.send(
      new GetCommand({
        TableName: this.deps.tableName,
        Key: keys.withdrawal(articleId),
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const { withdrawnAt, reason, at } = out.Item as Record<string, string | undefined>;
    return { articleId, withdrawnAt: withdrawnAt ?? '', at: at ?? '', ...(reason && { reason }) };
  }

  discardUnsent(current: Delivery, at: string, why: string): Promise<boolean> {
    return this.conditionalUpdate(
      current.deliveryId,
      { status: 'discarded', updatedAt: at, lastError: why, ...statusIndexes(current, 'discarded', at) },
      ['nextAttemptAt', INDEX.unfinished.pk, INDEX.unfinished.sk],
      {
        condition: '#status IN (:s0, :s1) AND attemptCount = :expected',
        values: { ':s0': ATTEMPTABLE[0], ':s1': ATTEMPTABLE[1], ':expected': current.attemptCount },
      },
    );
  }

  hold(current: Delivery, at: string): Promise<boolean> {
    // Off the unfinished index: the sweeper leaves it alone; its own message comes back to probe.
    return this.conditionalUpdate(
      current.deliveryId,
      { status: 'held', updatedAt: at, ...statusIndexes(current, 'held', at) },
      ['nextAttemptAt', INDEX.unfinished.pk, INDEX.unfinished.sk],
      {
        condition: '#status IN (:s0, :s1) AND attemptCount = :expected',
        values: { ':s0': ATTEMPTABLE[0], ':s1': ATTEMPTABLE[1], ':expected': current.attemptCount },
      },
    );
  }

  async release(deliveryId: string, at: string): Promise<Delivery | undefined> {
    const current = await this.get(deliveryId);
    if (current?.status !== 'held') return undefined;
    const set = { status: 'pending', updatedAt: at };
    const ok = await this.conditionalUpdate(
      deliveryId,
      { ...set, ...statusIndexes(current, 'pending', at) },
      [],
      // Two releases at once (a catch-up and the delivery's own message) move it only once.
      { condition: '#status = :held', values: { ':held': 'held' } },
    );
    return ok ? { ...current, status: 'pending', updatedAt: at } : undefined;
  }

  /** One UpdateItem on an existing delivery, refused (false) when `extra` does not hold. */
  private async guardedUpdate(
    deliveryId: string,
    update: string,
    values: Record<string, unknown>,
    extra?: string,
  ): Promise<boolean> {
    try {
      await this.deps.client.send(
        new UpdateCommand({
          TableName: this.deps.tableName,
          Key: keys.delivery(deliveryId),
          UpdateExpression: update,
          ConditionExpression: `attribute_exists(pk)${extra ? ` AND ${extra}` : ''}`,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async listByArticle(articleId: string): Promise<Delivery[]> {
    return this.queryAll(INDEX.byArticle, keys.article(articleId));
  }

  async listUnfinished(limit: number): Promise<Delivery[]> {
    return (await this.queryAll(INDEX.unfinished, keys.unfinished, limit)).slice(0, limit);
  }

  private async queryAll(index: { name: string; pk: string }, pk: string, max = 10_000): Promise<Delivery[]> {
    const items: Delivery[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.deps.client.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          IndexName: index.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': index.pk },
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []).map(toDelivery));
      start = out.LastEvaluatedKey;
    } while (start && items.length < max);
    return items;
  }

  async recordRouting(record: RoutingRecord): Promise<void> {
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: {
          pk: keys.article(record.articleId),
          sk: routingSortKey(record.version),
          entity: 'routing',
          ...record,
          // Listed by time too (gsi1, one partition per month), for backfills.
          ...queries.routedIndexKeys(record),
        },
      }),
    );
  }

  async getRouting(articleId: string, version: number): Promise<RoutingRecord | undefined> {
    const out = await this.deps.client.send(
      new GetCommand({
        TableName: this.deps.tableName,
        Key: { pk: keys.article(articleId), sk: routingSortKey(version) },
      }),
    );
    return out.Item ? queries.toRouting(out.Item) : undefined;
  }

  listRouting(articleId: string): Promise<RoutingRecord[]> {
    return queries.listRouting(this.deps, articleId);
  }

  listRoutedBetween(
    from: string,
    to: string,
    page: { limit: number; cursor?: string },
  ): Promise<RoutingPage> {
    return queries.listRoutedBetween(this.deps, from, to, page);
  }

  findByAgreement(
    agreementId: string,
    filter: DeliveryFilter,
    page: { limit: number; cursor?: string },
  ): Promise<DeliveryPage> {
    return queries.findByAgreement(this.deps, agreementId, filter, page, toDelivery);
  }

  countByAgreement(agreementId: string, filter: DeliveryFilter): Promise<number> {
    return queries.countByAgreement(this.deps, agreementId, filter);
  }

  statusTimes(agreementId: string, status: DeliveryStatus, since: string): Promise<string[]> {
    return queries.statusTimes(this.deps, agreementId, status, since);
  }

  async recordReplay(audit: ReplayAudit): Promise<void> {
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: { pk: keys.replays, sk: `${audit.requestedAt}#${audit.replayId}`, entity: 'replay', ...audit },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async listReplays(limit: number): Promise<ReplayAudit[]> {
    const out = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.replays },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(
      ({ replayId, requestedBy, requestedAt, filter, count, deliveryIds, kind }) => ({
        replayId,
        requestedBy,
        requestedAt,
        filter,
        count,
        deliveryIds,
        // `bulk` is what replays by filter were called before they took their job's name.
        ...(kind && { kind: kind === 'bulk' ? 'replay' : kind }),
      }),
    ) as ReplayAudit[];
  }
}
