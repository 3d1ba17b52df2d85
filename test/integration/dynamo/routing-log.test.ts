import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import {
  chunkDecisions,
  DECISIONS_PER_CHUNK,
  type DynamoRoutingLog,
} from '#adapters/aws/dynamo-routing-log.ts';
import type { RoutingRecord } from '#ports/routing-log.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';
import { itemSize } from '../../../bench/aws-counter.ts';

let routing: DynamoRoutingLog;
let table: Table;

onFreshTable((t) => {
  routing = t.routing;
  table = t.table;
});

/** `count` decisions as routing makes them for a national agency's agreements. */
const decisions = (count: number, reason = 'excluded:topic'): RoutingRecord['decisions'] =>
  Array.from({ length: count }, (_, i) => ({
    agreementId: `dai-phat-thanh-truyen-hinh-tinh-${String(i).padStart(5, '0')}`,
    covered: i % 3 === 0,
    reason: i % 3 === 0 ? 'matched' : reason,
    matchedTopics: i % 3 === 0 ? ['infrastructure', 'culture-tourism'] : [],
  }));

const record = (version: number, count: number, reason?: string): RoutingRecord => ({
  articleId: 'quoc-hoi-khai-mac',
  version,
  at: `2026-03-01T08:0${version}:00.000Z`,
  decisions: decisions(count, reason),
});

async function itemSizes(): Promise<number[]> {
  const out = await table.client.send(new ScanCommand({ TableName: table.tableName }));
  return (out.Items ?? []).map(itemSize);
}

describe(`DynamoRoutingLog at national scale (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('keeps 5,000 decisions in items under 48 KB and reads them back whole, in order', async () => {
    const big = record(2, 5000);
    await routing.record(record(1, 3));
    await routing.record(big);

    expect(await routing.get(big.articleId, 2)).toEqual(big);
    expect((await routing.list(big.articleId)).map((r) => [r.version, r.decisions.length])).toEqual([
      [2, 5000],
      [1, 3],
    ]);
    const between = await routing.listBetween('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', { limit: 10 });
    expect(between.items).toEqual([big, record(1, 3)]);
    const sizes = await itemSizes();
    // Version 2: a head and its 5,000 decisions in runs of 2,000 (each ~7 KB gzipped); version 1: one item.
    expect(sizes.length).toBe(1 + Math.ceil(5000 / DECISIONS_PER_CHUNK) + 1);
    expect(Math.max(...sizes)).toBeLessThan(48 * 1024);
  });

  it('reads a record written as one item before decisions were chunked', async () => {
    const old = record(1, 400);
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { pk: `ARTICLE#${old.articleId}`, sk: 'ROUTE#00000001', entity: 'routing', ...old },
      }),
    );

    expect(await routing.get(old.articleId, 1)).toEqual(old);
    expect(await routing.list(old.articleId)).toEqual([old]);
  });

  it('reads the latest write of a version, not the chunks an earlier, larger one left', async () => {
    await routing.record(record(1, 5000, 'excluded:language'));
    const again = record(1, 2500);
    await routing.record(again);
    expect(await routing.get(again.articleId, 1)).toEqual(again);

    const small = record(1, 5);
    await routing.record(small);
    expect(await routing.get(small.articleId, 1)).toEqual(small);
  });

  it('marks a recorded version as not through until markThrough, and again when its route fails', async () => {
    await routing.markFailed('quoc-hoi-khai-mac', 1, '2026-03-01T08:01:30.000Z');
    expect((await routing.routedBefore('quoc-hoi-khai-mac', 1))?.failedAt).toBeUndefined();

    await routing.record(record(1, 450));
    // A run killed right after recording leaves this for its retry.
    expect((await routing.routedBefore('quoc-hoi-khai-mac', 1))?.failedAt).toBe(record(1, 450).at);
    await routing.markThrough('quoc-hoi-khai-mac', 1);
    expect((await routing.routedBefore('quoc-hoi-khai-mac', 1))?.failedAt).toBeUndefined();

    await routing.markFailed('quoc-hoi-khai-mac', 1, '2026-03-01T08:01:30.000Z');
    expect((await routing.routedBefore('quoc-hoi-khai-mac', 1))?.failedAt).toBe('2026-03-01T08:01:30.000Z');
    expect(await routing.get('quoc-hoi-khai-mac', 1)).toEqual(record(1, 450));
  });

  it('cuts decisions by count and by size', () => {
    expect(chunkDecisions(decisions(4001)).map((c) => c.length)).toEqual([2000, 2000, 1]);
    const wide = decisions(10).map((d) => ({ ...d, matchedTopics: ['t'.repeat(100_000)] }));
    expect(chunkDecisions(wide).map((c) => c.length)).toEqual([2, 2, 2, 2, 2]);
    expect(chunkDecisions([])).toEqual([]);
  });
});
