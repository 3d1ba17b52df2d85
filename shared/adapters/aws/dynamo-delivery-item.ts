/** A delivery as its table item and back: the fields it keeps and the index keys that follow it. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Delivery, type DeliveryStatus, listedAtCreate, OPEN, TERMINAL } from '#domain/delivery.ts';
import { feedPosition } from '#domain/feed.ts';
import { conditionalWrite, ITEM_EXISTS, type Table } from './dynamo-commands.ts';
import { INDEX, keys, TTL_ATTRIBUTE } from './table.ts';

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
  'retriesEndBy',
] as const;

/**
 * The list keys of a listed delivery in `status`: its agreement's list of all deliveries (gsi1, by
 * creation) always, and its open list (gsi2) while `status` is open. Both sort keys are the creation
 * time alone (an index key need not be unique: equal ones come in an order DynamoDB chooses, and a
 * query resumes from the table's key as well as the index's), fixed at creation, so a status change never moves a key within a list: it
 * adds or removes the open entry. Items listed before 2026-12-06 end theirs with `#<deliveryId>`; their
 * next status change rewrites it (once, a delete and a put), and both forms sort by time together.
 */
export function listIndexes(
  d: Pick<Delivery, 'agreementId' | 'deliveryId' | 'createdAt'>,
  status: DeliveryStatus,
): Record<string, string> {
  return {
    [INDEX.byParent.pk]: keys.deliveriesOf(d.agreementId),
    [INDEX.byParent.sk]: `DELIVERY#${d.createdAt}`,
    ...(OPEN.includes(status) && {
      [INDEX.byStatus.pk]: keys.openOf(d.agreementId),
      [INDEX.byStatus.sk]: d.createdAt,
    }),
  };
}

/**
 * Attributes a write to `status` removes: the open entry once the delivery is not open, the TTL while
 * it is, and always the unfinished key items written before data model 2 carry (removing an attribute
 * that is not there costs nothing).
 */
export function listRemovals(status: DeliveryStatus): string[] {
  return [
    ...(OPEN.includes(status) ? [] : [INDEX.byStatus.pk, INDEX.byStatus.sk]),
    ...(TERMINAL.includes(status) ? [] : [TTL_ATTRIBUTE]),
    INDEX.unfinished.pk,
    INDEX.unfinished.sk,
  ];
}

/**
 * When a delivery that has just become terminal at `at` expires from the table (DynamoDB's TTL, epoch
 * seconds), `retentionDays` later; none while it is not terminal. Reports read the sealed facts of
 * closed months (docs/reports.md), so nothing a report needs goes with it.
 */
export function expiryOf(status: DeliveryStatus, at: string, retentionDays: number | undefined) {
  if (!retentionDays || !TERMINAL.includes(status)) return {};
  return { [TTL_ATTRIBUTE]: Math.floor(Date.parse(at) / 1000) + Math.round(retentionDays * 86_400) };
}

/**
 * A new delivery as its table item (benchmarks batch-write these). On its article's index unless its
 * routing record names it (`namedByRouting`: found through the record; CreateOptions); on its
 * agreement's lists only when it starts listed (a feed delivery, delivered at creation): one routing
 * created to be pushed goes onto them at its first write after this one (listedAtCreate).
 */
export function deliveryItem(
  d: Delivery,
  retentionDays?: number,
  namedByRouting = false,
): Record<string, unknown> {
  // The id is the key's, and no replay is the default: neither is stored again (a failing item stays
  // nearer 1 KB, a write unit).
  const { storedAttemptCount: _never, unstored: _notYet, deliveryId: _inKey, replayCount, ...stored } = d;
  return {
    ...keys.delivery(d.deliveryId),
    entity: 'delivery',
    ...stored,
    ...(replayCount && { replayCount }),
    ...(!namedByRouting && {
      [INDEX.byArticle.pk]: keys.deliveriesOfArticle(d.articleId, d.agreementId, d.channelId),
      [INDEX.byArticle.sk]: byArticlePosition(d),
    }),
    ...(listedAtCreate(d) && {
      ...listIndexes(d, d.status),
      ...expiryOf(d.status, d.updatedAt, retentionDays),
    }),
    // Only feed deliveries are on the feed index, at the time they enter the feed.
    ...(d.channelType === 'feed' &&
      d.feedAt && {
        [INDEX.feed.pk]: keys.feedOf(d.agreementId),
        [INDEX.feed.sk]: feedPosition(d.feedAt, d.deliveryId),
      }),
  };
}

/** Where a delivery sorts among its article's: by version, agreement and channel (the article index's key). */
export const byArticlePosition = (d: Pick<Delivery, 'version' | 'agreementId' | 'channelId'>): string =>
  `V#${String(d.version).padStart(8, '0')}#${d.agreementId}#${d.channelId}`;

/** A delivery item read back: its delivery fields, without keys and index attributes. */
export function toDelivery(item: Record<string, unknown>): Delivery {
  const picked = Object.fromEntries(DELIVERY_FIELDS.filter((f) => f in item).map((f) => [f, item[f]]));
  return {
    deliveryId: String(item.pk).slice(DELIVERY_KEY_PREFIX.length),
    replayCount: 0,
    ...picked,
  } as unknown as Delivery;
}

/** What a delivery's `pk` starts with: the rest is its id (items written before also carry `deliveryId`). */
const DELIVERY_KEY_PREFIX = keys.delivery('').pk;

/**
 * One UpdateItem on an existing delivery, written only when `condition` (if any) holds too; false when
 * the delivery is missing or the condition does not hold.
 */
export function updateExisting(
  table: Table,
  deliveryId: string,
  update: { expression: string; values: Record<string, unknown>; condition?: string },
): Promise<boolean> {
  return conditionalWrite(() =>
    table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.delivery(deliveryId),
        UpdateExpression: update.expression,
        ConditionExpression: update.condition ? `${ITEM_EXISTS} AND ${update.condition}` : ITEM_EXISTS,
        ExpressionAttributeValues: update.values,
      }),
    ),
  );
}

/**
 * One UpdateItem on a delivery that sets `set` and removes `remove`, written only when `guard` holds
 * (its condition may name `#status`); false when it does not.
 */
export function setAndRemove(
  table: Table,
  deliveryId: string,
  set: Record<string, unknown>,
  remove: readonly string[],
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
  return conditionalWrite(() =>
    table.client.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: keys.delivery(deliveryId),
        UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''}`,
        ConditionExpression: guard.condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}
