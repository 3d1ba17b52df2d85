import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RoutingLog, RoutingPage, RoutingRecord } from '#ports/routing-log.ts';
import { AFTER_ALL, getItem, iso, putItem, type Table } from './dynamo-commands.ts';
import { decodeCursor, encodeCursor, resumingFrom } from './dynamo-errors.ts';
import { INDEX, keys } from './table.ts';

/** A routing record's sort key beside its article: `ROUTE#<version, zero-padded>`. */
const routingSortKey = (version: number) => `ROUTE#${String(version).padStart(8, '0')}`;

/** The gsi1 keys that put a routing record on the by-time list of its month. */
function routedIndexKeys(r: Pick<RoutingRecord, 'at' | 'articleId' | 'version'>) {
  return {
    [INDEX.byParent.pk]: keys.routedIn(r.at.slice(0, 7)),
    [INDEX.byParent.sk]: `${r.at}#${r.articleId}#${String(r.version).padStart(8, '0')}`,
  };
}

function toRouting(item: Record<string, unknown>): RoutingRecord {
  const { articleId, version, at, decisions, ready } = item as unknown as RoutingRecord;
  return { articleId, version, at, decisions, ...(ready && { ready }) };
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

/** Routing records beside their article (`ARTICLE#<id>` / `ROUTE#<version>`), and by month on gsi1. */
export class DynamoRoutingLog implements RoutingLog {
  constructor(private readonly table: Table) {}

  async record(record: RoutingRecord): Promise<void> {
    await putItem(this.table, {
      pk: keys.article(record.articleId),
      sk: routingSortKey(record.version),
      entity: 'routing',
      ...record,
      // Listed by time too (gsi1, one partition per month), for backfills.
      ...routedIndexKeys(record),
    });
  }

  async get(articleId: string, version: number): Promise<RoutingRecord | undefined> {
    const item = await getItem(this.table, { pk: keys.article(articleId), sk: routingSortKey(version) });
    return item ? toRouting(item) : undefined;
  }

  /** Every routed version of an article, newest first. */
  async list(articleId: string): Promise<RoutingRecord[]> {
    const out = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :route)',
        ExpressionAttributeValues: { ':pk': keys.article(articleId), ':route': 'ROUTE#' },
        ScanIndexForward: false,
      }),
    );
    return (out.Items ?? []).map(toRouting);
  }

  /** Routing records made between two times, newest first; the cursor names the month and the key in it. */
  async listBetween(
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
        this.table.client.send(
          new QueryCommand({
            TableName: this.table.tableName,
            IndexName: INDEX.byParent.name,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
            ExpressionAttributeNames: { '#pk': INDEX.byParent.pk, '#sk': INDEX.byParent.sk },
            ExpressionAttributeValues: {
              ':pk': keys.routedIn(month),
              ':lo': lo,
              ':hi': `${hi}#${AFTER_ALL}`,
            },
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
}
