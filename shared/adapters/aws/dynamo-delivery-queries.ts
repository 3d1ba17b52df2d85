/**
 * The operators' queries on deliveries and routing records: filtered pages, counts, status times and
 * routing by time. Kept apart from the store's writes; DynamoDeliveryStore delegates here.
 */
import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Delivery, DeliveryStatus } from '#domain/delivery.ts';
import {
  type DeliveryFilter,
  type DeliveryPage,
  PUSHED_CHANNELS,
  type RoutingPage,
  type RoutingRecord,
} from '#ports/delivery-store.ts';
import { decodeCursor, encodeCursor, resumingFrom } from './dynamo-errors.ts';
import { INDEX, keys } from './table.ts';

export interface Table {
  client: DynamoDBDocumentClient;
  tableName: string;
}

/** Sorts after every delivery id and routing suffix: `<time>#~` closes a range at the end of `<time>`. */
const AFTER_ALL = '~';
/** Queries per page at most, so a filter that matches little cannot hold a request for long. */
const MAX_ROUNDS = 20;
/** Items read per round while filtering: enough that a sparse filter needs few rounds. */
const ROUND_SIZE = 200;

/** Times compare as strings only in one spelling: the ISO form with milliseconds and `Z`. */
const iso = (t: string) => new Date(t).toISOString();

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

/**
 * One page of matches. Rounds read ROUND_SIZE items and keep the matches; when a round matches more
 * than the page needs, the cursor is built from the last item kept, so nothing is skipped.
 */
export async function findByAgreement(
  t: Table,
  agreementId: string,
  filter: DeliveryFilter,
  page: { limit: number; cursor?: string },
  toDelivery: (item: Record<string, unknown>) => Delivery,
): Promise<DeliveryPage> {
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
export async function countByAgreement(
  t: Table,
  agreementId: string,
  filter: DeliveryFilter,
): Promise<number> {
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
export async function statusTimes(
  t: Table,
  agreementId: string,
  status: DeliveryStatus,
  since: string,
  max = 50_000,
): Promise<string[]> {
  const times: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await t.client.send(
      new QueryCommand({
        TableName: t.tableName,
        IndexName: INDEX.byStatus.name,
        KeyConditionExpression: '#pk = :pk AND #sk >= :since',
        ExpressionAttributeNames: { '#pk': INDEX.byStatus.pk, '#sk': INDEX.byStatus.sk },
        ExpressionAttributeValues: {
          ':pk': keys.deliveriesWithStatus(agreementId, status),
          ':since': iso(since),
        },
        ProjectionExpression: '#sk',
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) times.push(String(item[INDEX.byStatus.sk]).split('#')[0] ?? '');
    start = out.LastEvaluatedKey;
  } while (start && times.length < max);
  return times;
}

export const routingSortKey = (version: number) => `ROUTE#${String(version).padStart(8, '0')}`;

/** The gsi1 keys that put a routing record on the by-time list of its month. */
export function routedIndexKeys(r: Pick<RoutingRecord, 'at' | 'articleId' | 'version'>) {
  return {
    [INDEX.byParent.pk]: keys.routedIn(r.at.slice(0, 7)),
    [INDEX.byParent.sk]: `${r.at}#${r.articleId}#${String(r.version).padStart(8, '0')}`,
  };
}

export function toRouting(item: Record<string, unknown>): RoutingRecord {
  const { articleId, version, at, decisions, ready } = item as unknown as RoutingRecord;
  return { articleId, version, at, decisions, ...(ready && { ready }) };
}

/** Every routed version of an article, newest first. */
export async function listRouting(t: Table, articleId: string): Promise<RoutingRecord[]> {
  const out = await t.client.send(
    new QueryCommand({
      TableName: t.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :route)',
      ExpressionAttributeValues: { ':pk': keys.article(articleId), ':route': 'ROUTE#' },
      ScanIndexForward: false,
    }),
  );
  return (out.Items ?? []).map(toRouting);
}

/** Months `YYYY-MM` from `to` back to `from`. */
function monthsBack(from: string, to: string): string[] {
  const months: string[] = [];
  const d = new Date(`${to.slice(0, 7)}-01T00:00:00Z`);
  while (d.toISOString().slice(0, 7) >= from.slice(0, 7)) {
    months.push(d.toISOString().slice(0, 7));
    d.setUTCMonth(d.getUTCMonth() - 1);
  }
  return months;
}

/** Routing records made between two times, newest first; the cursor names the month and the key in it. */
export async function listRoutedBetween(
  t: Table,
  from: string,
  to: string,
  page: { limit: number; cursor?: string },
): Promise<RoutingPage> {
  const lo = iso(from);
  const hi = iso(to);
  const months = monthsBack(lo, hi);
  const resume = decodeCursor(page.cursor) as { m?: string; k?: Record<string, unknown> } | undefined;
  let i = resume?.m ? Math.max(0, months.indexOf(resume.m)) : 0;
  let start = resume?.k;
  const items: RoutingRecord[] = [];
  while (i < months.length && items.length < page.limit) {
    const month = months[i] ?? '';
    const from = start;
    const out = await resumingFrom(page.cursor, () =>
      t.client.send(
        new QueryCommand({
          TableName: t.tableName,
          IndexName: INDEX.byParent.name,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
          ExpressionAttributeNames: { '#pk': INDEX.byParent.pk, '#sk': INDEX.byParent.sk },
          ExpressionAttributeValues: { ':pk': keys.routedIn(month), ':lo': lo, ':hi': `${hi}#${AFTER_ALL}` },
          ScanIndexForward: false,
          Limit: page.limit - items.length,
          ExclusiveStartKey: from,
        }),
      ),
    );
    items.push(...(out.Items ?? []).map(toRouting));
    start = out.LastEvaluatedKey;
    if (!start) i++;
  }
  const more = i < months.length;
  const cursor = more ? encodeCursor({ m: months[i], ...(start && { k: start }) }) : undefined;
  return { items, ...(cursor && { cursor }) };
}
