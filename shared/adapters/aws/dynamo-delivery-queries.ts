/**
 * The operators' queries on an agreement's deliveries: filtered pages, counts and status times.
 * Read only; the writes are DynamoDeliveryStore's.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DeliveryStatus } from '#domain/delivery.ts';
import { type DeliveryFilter, type DeliveryQueries, PUSHED_CHANNELS } from '#ports/delivery-queries.ts';
import type { DeliveryPage } from '#ports/delivery-store.ts';
import { AFTER_ALL, iso, queryAll, type Table } from './dynamo-commands.ts';
import { toDelivery } from './dynamo-delivery-item.ts';
import { decodeCursor, encodeCursor, resumingFrom } from './dynamo-errors.ts';
import { INDEX, keys } from './table.ts';

/** Queries per page at most, so a filter that matches little cannot hold a request for long. */
const MAX_ROUNDS = 20;
/** Items read per round while filtering: enough that a sparse filter needs few rounds. */
const ROUND_SIZE = 200;

type Index = { name: string; pk: string; sk: string };

/**
 * The Query (without paging) for an agreement's deliveries matching a filter: by status on gsi2,
 * whose sort key starts with `updatedAt`, so the time bounds are key conditions; otherwise on gsi1,
 * whose sort key starts with `createdAt` (never after `updatedAt`), so `until` also bounds the key.
 */
function filteredQuery(
  t: Table,
  agreementId: string,
  f: DeliveryFilter,
): { input: QueryCommandInput; index: Index } {
  const index: Index = f.status ? INDEX.byStatus : INDEX.byParent;
  const names: Record<string, string> = { '#pk': index.pk, '#sk': index.sk };
  const values: Record<string, unknown> = {
    ':pk': f.status ? keys.deliveriesWithStatus(agreementId, f.status) : keys.deliveriesOf(agreementId),
  };
  const conditions = ['#pk = :pk'];
  const filters: string[] = [];
  const prefix = f.status ? '' : 'DELIVERY#';
  if (f.since && f.status) values[':lo'] = iso(f.since);
  if (f.until) values[':hi'] = `${prefix}${iso(f.until)}#${AFTER_ALL}`;
  if (':lo' in values && ':hi' in values) conditions.push('#sk BETWEEN :lo AND :hi');
  else if (':lo' in values) conditions.push('#sk >= :lo');
  else if (':hi' in values) conditions.push('#sk <= :hi');
  if (!f.status) {
    // gsi1 is ordered by creation: the change time is checked on each item.
    names['#updatedAt'] = 'updatedAt';
    if (f.since) {
      values[':since'] = iso(f.since);
      filters.push('#updatedAt >= :since');
    }
    if (f.until) {
      values[':until'] = iso(f.until);
      filters.push('#updatedAt <= :until');
    }
  }
  if (f.channel === PUSHED_CHANNELS) {
    names['#channelType'] = 'channelType';
    values[':feed'] = 'feed';
    filters.push('#channelType <> :feed');
  } else if (f.channel) {
    // A channel id (`webhook-2`) or a kind (`webhook`): ids default to the kind's name.
    names['#channelId'] = 'channelId';
    names['#channelType'] = 'channelType';
    values[':channel'] = f.channel;
    filters.push('(#channelId = :channel OR #channelType = :channel)');
  }
  if (f.articleId) {
    names['#articleId'] = 'articleId';
    values[':articleId'] = f.articleId;
    filters.push('#articleId = :articleId');
  }
  const used = Object.fromEntries(
    Object.entries(names).filter(([k]) => [...conditions, ...filters].some((c) => c.includes(k))),
  );
  return {
    index,
    input: {
      TableName: t.tableName,
      IndexName: index.name,
      KeyConditionExpression: conditions.join(' AND '),
      ...(filters.length && { FilterExpression: filters.join(' AND ') }),
      ExpressionAttributeNames: used,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
  };
}

/** The key DynamoDB resumes a query of `index` after `item` from. */
function keyOf(item: Record<string, unknown>, index: Index): Record<string, unknown> {
  return { pk: item.pk, sk: item.sk, [index.pk]: item[index.pk], [index.sk]: item[index.sk] };
}

/** The operators' filtered reads, over the delivery indexes. */
export class DynamoDeliveryQueries implements DeliveryQueries {
  constructor(private readonly table: Table) {}

  /**
   * One page of matches. Rounds read ROUND_SIZE items and keep the matches; when a round matches more
   * than the page needs, the cursor is built from the last item kept, so nothing is skipped.
   */
  async findByAgreement(
    agreementId: string,
    filter: DeliveryFilter,
    page: { limit: number; cursor?: string },
  ): Promise<DeliveryPage> {
    const t = this.table;
    const { input, index } = filteredQuery(t, agreementId, filter);
    const kept: Record<string, unknown>[] = [];
    let start = decodeCursor(page.cursor);
    for (let round = 0; round < MAX_ROUNDS && kept.length < page.limit; round++) {
      const from = start;
      const out = await resumingFrom(page.cursor, () =>
        t.client.send(
          new QueryCommand({ ...input, Limit: Math.max(ROUND_SIZE, page.limit), ExclusiveStartKey: from }),
        ),
      );
      const items = out.Items ?? [];
      const room = page.limit - kept.length;
      kept.push(...items.slice(0, room));
      start = items.length > room ? keyOf(items[room - 1] ?? {}, index) : out.LastEvaluatedKey;
      if (!start) break;
    }
    const cursor = encodeCursor(start);
    return { items: kept.map(toDelivery), ...(cursor && { cursor }) };
  }

  /** How many deliveries match, read with `Select: COUNT` (nothing but the count crosses the wire). */
  async countByAgreement(agreementId: string, filter: DeliveryFilter): Promise<number> {
    const t = this.table;
    const { input } = filteredQuery(t, agreementId, filter);
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await t.client.send(
        new QueryCommand({ ...input, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }

  /** `updatedAt` of an agreement's deliveries now in `status` that changed since `since` (gsi2, keys only read). */
  statusTimes(agreementId: string, status: DeliveryStatus, since: string, max = 50_000): Promise<string[]> {
    const changedSince = {
      IndexName: INDEX.byStatus.name,
      KeyConditionExpression: '#pk = :pk AND #sk >= :since',
      ExpressionAttributeNames: { '#pk': INDEX.byStatus.pk, '#sk': INDEX.byStatus.sk },
      ExpressionAttributeValues: {
        ':pk': keys.deliveriesWithStatus(agreementId, status),
        ':since': iso(since),
      },
      ProjectionExpression: '#sk',
    };
    return queryAll(
      this.table,
      changedSince,
      (item) => String(item[INDEX.byStatus.sk]).split('#')[0] ?? '',
      max,
    );
  }
}
