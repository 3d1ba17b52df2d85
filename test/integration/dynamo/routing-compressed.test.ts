import { createHash } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import {
  CHUNK_GZ_BYTES,
  chunkDecisions,
  type DynamoRoutingLog,
  ITEM_BYTES,
  packDecisions,
} from '#adapters/aws/dynamo-routing-log.ts';
import type { RoutingRecord } from '#ports/routing-log.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';
import { itemSize, writeUnits } from '../../../bench/aws-counter.ts';

let routing: DynamoRoutingLog;
let table: Table;

onFreshTable((t) => {
  routing = t.routing;
  table = t.table;
});

type Decision = RoutingRecord['decisions'][number];

/** Random-looking hex from a seed (no repeats up to 64 chars), which gzip cannot fold away: the worst case for ids. */
const hex = (seed: string, chars: number) =>
  createHash('sha256')
    .update(seed)
    .digest('hex')
    .repeat(Math.ceil(chars / 64))
    .slice(0, chars);

/** Decisions over `count` agreements with long ids and long topic names, a third covered. */
const longDecisions = (count: number): Decision[] =>
  Array.from({ length: count }, (_, i) => ({
    agreementId: `agr_dai-phat-thanh-truyen-hinh-tinh-${hex(`agr${i}`, 64)}`,
    covered: i % 3 === 0,
    reason: i % 3 === 0 ? 'matched' : 'excluded:topic',
    matchedTopics:
      i % 3 === 0 ? [`van-hoa-du-lich-${hex(`t${i}`, 24)}`, 'chinh-tri-xa-hoi-quoc-phong-an-ninh'] : [],
  }));

/** Decisions as the national agency's 2,000 agreements give them (readable ids, a few topics). */
const agencyDecisions = (count: number): Decision[] =>
  Array.from({ length: count }, (_, i) => ({
    agreementId: `dai-phat-thanh-truyen-hinh-tinh-${String(i).padStart(5, '0')}`,
    covered: i % 3 === 0,
    reason: i % 3 === 0 ? 'matched' : 'excluded:topic',
    matchedTopics: i % 3 === 0 ? ['infrastructure', 'culture-tourism'] : [],
  }));

const record = (decisions: Decision[], version = 1): RoutingRecord => ({
  articleId: 'ha-giang-ky-ket-vtv4',
  version,
  at: `2026-03-01T08:0${version}:00.000Z`,
  decisions,
});

async function storedItems(): Promise<Record<string, unknown>[]> {
  const out = await table.client.send(new ScanCommand({ TableName: table.tableName }));
  return out.Items ?? [];
}

describe(`DynamoRoutingLog with gzipped decisions (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('reads back 5,000 decisions with long ids equal, from items all under 48 KB', async () => {
    const big = record(longDecisions(5000));

    await routing.record(big);

    expect(await routing.get(big.articleId, 1)).toEqual(big);
    const between = await routing.listBetween('2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z', { limit: 5 });
    expect(between.items).toEqual([big]);
    const sizes = (await storedItems()).map(itemSize);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThan(48 * 1024);
  });

  it('stores 2,000 agreements of decisions as one item of a few write units', async () => {
    const agency = record(agencyDecisions(2000));

    await routing.record(agency);

    const items = await storedItems();
    expect(items.map((i) => i.sk)).toEqual(['ROUTE#00000001']);
    const [head] = items;
    if (!head) throw new Error('no head');
    // Measured 2026-12: 251,343 bytes of JSON gzip to ~6.5 KB; the item with its keys ~6.8 KB.
    expect(itemSize(head)).toBeLessThan(8 * 1024);
    // The table and gsi1: ~14 write units, against ~200 when each of 10 chunks held 20 KB of JSON.
    expect(writeUnits(undefined, head)).toBeLessThanOrEqual(16);
    expect(await routing.get(agency.articleId, 1)).toEqual(agency);
  });

  it('keeps decisions as a gzipped binary attribute on the wire', async () => {
    await routing.record(record(agencyDecisions(10)));

    const out = await table.client.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: 'ARTICLE#ha-giang-ky-ket-vtv4' }, sk: { S: 'ROUTE#00000001' } },
      }),
    );

    const gz = out.Item?.decisionsGz?.B;
    expect(gz).toBeInstanceOf(Uint8Array);
    expect([gz?.[0], gz?.[1]]).toEqual([0x1f, 0x8b]);
    expect(out.Item?.decisions).toBeUndefined();
  });

  it('splits a chunk whose gzip is too big into chunks that fit', () => {
    // 2,000 decisions of ~130 bytes of random hex each: ~400 KB of JSON, cut in 2 runs that gzip to ~100 KB and ~50 KB.
    const random = Array.from({ length: 2000 }, (_, i) => ({
      agreementId: hex(`a${i}`, 64),
      covered: false,
      reason: `excluded:${hex(`r${i}`, 64)}`,
      matchedTopics: [],
    }));

    const chunks = packDecisions(random);

    expect(chunks.length).toBeGreaterThan(chunkDecisions(random).length);
    expect(Math.max(...chunks.map((c) => c.gz.length))).toBeLessThanOrEqual(CHUNK_GZ_BYTES);
    expect(chunks.flatMap((c) => c.decisions)).toEqual(random);
  });

  it('moves decisions to a chunk when they would not fit beside a large head', async () => {
    const random = Array.from({ length: 300 }, (_, i) => ({
      agreementId: hex(`a${i}`, 64),
      covered: false,
      reason: `excluded:${hex(`r${i}`, 64)}`,
      matchedTopics: [],
    }));
    const withReady = {
      ...record(random),
      ready: { note: 'x'.repeat(ITEM_BYTES - 1000) } as unknown as RoutingRecord['ready'],
    };

    await routing.record(withReady);

    const items = await storedItems();
    expect(items.map((i) => i.sk).sort()).toEqual(['ROUTE#00000001', 'ROUTE#00000001#chunk#0000']);
    expect(await routing.get(withReady.articleId, 1)).toEqual(withReady);
  });

  it('reads a record written before gzip: plain decisions in the head, or in chunk items', async () => {
    const inline = record(agencyDecisions(150), 1);
    const chunked = record(agencyDecisions(450), 2);
    const put = (item: Record<string, unknown>) =>
      table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));
    const pk = 'ARTICLE#ha-giang-ky-ket-vtv4';
    // As the code before gzip wrote them: decisions inline up to 200, else 200 per chunk item.
    await put({ pk, sk: 'ROUTE#00000001', entity: 'routing', ...inline, failedAt: inline.at });
    const { decisions, ...head } = chunked;
    await put({ pk, sk: 'ROUTE#00000002', entity: 'routing', ...head, chunks: 3 });
    for (const n of [0, 1, 2]) {
      await put({
        pk,
        sk: `ROUTE#00000002#chunk#000${n}`,
        entity: 'routing-chunk',
        decisions: decisions.slice(n * 200, (n + 1) * 200),
      });
    }

    expect(await routing.get(inline.articleId, 1)).toEqual(inline);
    expect(await routing.get(chunked.articleId, 2)).toEqual(chunked);
    expect(await routing.list(inline.articleId)).toEqual([chunked, inline]);
  });

  it('reads the latest write of a version over an old chunked one, not its chunks', async () => {
    const pk = 'ARTICLE#ha-giang-ky-ket-vtv4';
    const old = record(agencyDecisions(400));
    await table.client.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { pk, sk: 'ROUTE#00000001#chunk#0001', entity: 'routing-chunk', decisions: old.decisions },
      }),
    );
    const again = record(agencyDecisions(3));

    await routing.record(again);

    expect(await routing.get(again.articleId, 1)).toEqual(again);
  });

  it('keeps Vietnamese reasons and topics byte for byte, composed and decomposed', async () => {
    const vietnamese = record([
      {
        agreementId: 'đài-phát-thanh-truyền-hình-hà-giang',
        covered: true,
        reason: 'khớp chủ đề “Văn hóa – Du lịch”',
        matchedTopics: ['văn-hóa-du-lịch', 'Đồng Văn'.normalize('NFD'), 'dân tộc thiểu số 🇻🇳'],
      },
      {
        agreementId: 'báo-điện-tử-đảng-cộng-sản-việt-nam',
        covered: false,
        reason: 'loại trừ: ngôn ngữ'.normalize('NFD'),
        matchedTopics: [],
      },
    ]);

    await routing.record(vietnamese);

    const read = await routing.get(vietnamese.articleId, 1);
    expect(Buffer.from(JSON.stringify(read))).toEqual(Buffer.from(JSON.stringify(vietnamese)));
  });
});
