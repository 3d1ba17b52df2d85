/**
 * The operators' queries on an agreement's deliveries: filtered pages, counts and status times.
 * Read only; the writes are DynamoDeliveryStore's.
 */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { type DeliveryStatus, OPEN } from '#domain/delivery.ts';
import { type DeliveryFilter, type DeliveryQueries, PUSHED_CHANNELS } from '#ports/delivery-queries.ts';
import type { DeliveryPage } from '#ports/delivery-store.ts';
import { AFTER_ALL, fullItems, iso, queryAll, type Table } from './dynamo-commands.ts';
import { toDelivery } from './dynamo-delivery-item.ts';
import { decodeCursor, encodeCursor, resumingFrom } from './dynamo-errors.ts';
import { INDEX, type IndexShape, keys, projectsAll } from './table.ts';

/** How far before a window statusTimes reads deliveries created: the retry policy's default age. */
const STATUS_TIMES_LOOKBACK_MS = 24 * 60 * 60 * 1000;

/** Queries per page at most, so a filter that matches little cannot hold a request for long. */
const MAX_ROUNDS = 20;
/** Items read per round while filtering: enough that a sparse filter needs few rounds. */
const ROUND_SIZE = 200;

type Index = IndexShape;

/** Bounds on the creation time (ISO instants, both included), on the lists' sort key. */
interface CreatedWithin {
  createdFrom?: string;
  createdTo?: string;
}

/**
 * The Query (without paging) for an agreement's listed deliveries matching a filter: an open status
 * (pending, retrying, held, failed) on the agreement's open list (gsi2), any other status or none on
 * its list of all deliveries (gsi1); the status itself is a filter. Both sort keys start with
 * `createdAt` (never after `updatedAt`), so `until` bounds the key, and `since` (on `updatedAt`) is a
 * filter, as is `createdFrom`, a lower bound on the key that readers of recent changes set;
 * `createdTo` bounds the key alone (a read of the deliveries created within some days).
 */
function filteredQuery(
  t: Table,
  agreementId: string,
  f: DeliveryFilter & CreatedWithin,
  oldestFirst = false,
): { input: QueryCommandInput; index: Index } {
  const open = f.status !== undefined && OPEN.includes(f.status);
  const index: Index = open ? INDEX.byStatus : INDEX.byParent;
  const names: Record<string, string> = { '#pk': index.pk, '#sk': index.sk };
  const values: Record<string, unknown> = {
    ':pk': open ? keys.openOf(agreementId) : keys.deliveriesOf(agreementId),
  };
  const conditions = ['#pk = :pk'];
  const filters: string[] = [];
  const prefix = open ? '' : 'DELIVERY#';
  if (f.createdFrom) values[':lo'] = `${prefix}${iso(f.createdFrom)}`;
  const hi = [f.until, f.createdTo]
    .filter((x): x is string => x !== undefined)
    .map(iso)
    .sort()[0];
  if (hi) values[':hi'] = `${prefix}${hi}#${AFTER_ALL}`;
  if (':lo' in values && ':hi' in values) conditions.push('#sk BETWEEN :lo AND :hi');
  else if (':lo' in values) conditions.push('#sk >= :lo');
  else if (':hi' in values) conditions.push('#sk <= :hi');
  if (f.status) {
    names['#status'] = 'status';
    values[':status'] = f.status;
    filters.push('#status = :status');
  }
  // Ordered by creation: the change time is checked on each item.
  names['#updatedAt'] = 'updatedAt';
  if (f.since) {
    values[':since'] = iso(f.since);
    filters.push('#updatedAt >= :since');
  }
  if (f.until) {
    values[':until'] = iso(f.until);
    filters.push('#updatedAt <= :until');
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
      ScanIndexForward: oldestFirst,
    },
  };
}

/** The key DynamoDB resumes a query of `index` after `item` from. */
function keyOf(item: Record<string, unknown>, index: Index): Record<string, unknown> {
  return { pk: item.pk, sk: item.sk, [index.pk]: item[index.pk], [index.sk]: item[index.sk] };
}

/**
 * One page of an agreement's deliveries matching `filter`. Rounds read ROUND_SIZE index entries and keep
 * the matches; when a round matches more than the page needs, the cursor is built from the last entry
 * kept, so nothing is skipped. The entries kept are then read back whole from the table (one
 * BatchGetItem per 100).
 */
export async function findDeliveries(
  t: Table,
  agreementId: string,
  filter: DeliveryFilter & CreatedWithin,
  page: { limit: number; cursor?: string; oldestFirst?: boolean },
): Promise<DeliveryPage> {
  const { input, index } = filteredQuery(t, agreementId, filter, page.oldestFirst);
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
  // The lists carry what their filters read; the page's deliveries are read back whole.
  const whole = projectsAll(index) ? kept : await fullItems(t, kept);
  return { items: whole.map(toDelivery), ...(cursor && { cursor }) };
}

/** The operators' filtered reads, over the delivery indexes. */
export class DynamoDeliveryQueries implements DeliveryQueries {
  constructor(private readonly table: Table) {}

  findByAgreement(
    agreementId: string,
    filter: DeliveryFilter,
    page: { limit: number; cursor?: string },
  ): Promise<DeliveryPage> {
    return findDeliveries(this.table, agreementId, filter, page);
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

  /**
   * `updatedAt` of an agreement's deliveries now in `status` that changed since `since`. Lists are
   * ordered by creation, so the read starts at deliveries created a day before `since` (the retry
   * policy's age): a delivery created earlier that changed in the window (an operator's replay of an
   * old one) is not counted.
   */
  statusTimes(agreementId: string, status: DeliveryStatus, since: string, max = 50_000): Promise<string[]> {
    const createdFrom = new Date(Date.parse(since) - STATUS_TIMES_LOOKBACK_MS).toISOString();
    const { input } = filteredQuery(this.table, agreementId, { status, since, createdFrom });
    const { TableName: _t, ...query } = input;
    return queryAll(
      this.table,
      { ...query, ProjectionExpression: '#updatedAt' },
      (item) => String(item.updatedAt ?? ''),
      max,
    );
  }
}
