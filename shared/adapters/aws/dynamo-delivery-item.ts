/** A delivery as its table item and back: the fields it keeps and the index keys that follow it. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ATTEMPTABLE, type Delivery, type DeliveryStatus } from '#domain/delivery.ts';
import { feedPosition } from '#domain/feed.ts';
import { conditionalWrite, ITEM_EXISTS, type Table } from './dynamo-commands.ts';
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
export function statusIndexes(
  d: Pick<Delivery, 'agreementId' | 'deliveryId'>,
  status: DeliveryStatus,
  at: string,
) {
  return {
    [INDEX.byStatus.pk]: keys.deliveriesWithStatus(d.agreementId, status),
    [INDEX.byStatus.sk]: `${at}#${d.deliveryId}`,
    ...(ATTEMPTABLE.includes(status) && {
      [INDEX.unfinished.pk]: keys.unfinished(d.deliveryId),
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
    [INDEX.byArticle.pk]: keys.deliveriesOfArticle(d.articleId, d.agreementId, d.channelId),
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

/** A delivery item read back: its delivery fields, without keys and index attributes. */
export function toDelivery(item: Record<string, unknown>): Delivery {
  const picked = Object.fromEntries(DELIVERY_FIELDS.filter((f) => f in item).map((f) => [f, item[f]]));
  return picked as unknown as Delivery;
}

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
