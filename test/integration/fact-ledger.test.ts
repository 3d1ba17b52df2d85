import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgreementStore } from '#adapters/aws/dynamo-agreement-store.ts';
import { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import { DynamoRoutingLog } from '#adapters/aws/dynamo-routing-log.ts';
import { S3FactLedger } from '#adapters/aws/s3-fact-ledger.ts';
import { keys } from '#adapters/aws/table.ts';
import { agreementReport, type ReportPorts } from '#app/agreement-report.ts';
import { liveFacts } from '#app/live-facts.ts';
import { sealFacts } from '#app/seal-facts.ts';
import type { Delivery } from '#domain/delivery.ts';
import { daysBetween } from '#domain/fact.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { deliveryFact, notSentFact } from '#test/fixtures/facts.ts';
import { startDynamo, type TestDynamo } from '#test/support/dynamo.ts';
import { seedArticle } from '#test/support/report-seed.ts';
import { type LocalS3, startS3 } from '#test/support/s3.ts';

const BUCKET = 'loa-packages';
let s3: LocalS3;
let dynamo: TestDynamo;

beforeAll(async () => {
  [s3, dynamo] = await Promise.all([startS3(), startDynamo()]);
  await s3.createBucket(BUCKET);
});

afterAll(async () => {
  await Promise.all([s3?.stop(), dynamo?.stop()]);
});

describe('S3FactLedger on s3rver', () => {
  it('reads back a sealed month byte for byte, Vietnamese included, and lists it as sealed', async () => {
    const ledger = new S3FactLedger({ s3: s3.client, bucket: BUCKET });
    const facts = [
      deliveryFact({ agreementId: 'bao-ha-giang', topics: ['văn-hoá'] }),
      notSentFact({ agreementId: 'bao-ha-giang', reason: 'excluded:language' }),
    ];

    await ledger.seal('bao-ha-giang', '2024-03', facts);

    expect(await ledger.read('bao-ha-giang', '2024-03')).toEqual(facts);
    expect((await ledger.sealed('bao-ha-giang')).months).toEqual(['2024-03']);
  });

  it('answers an unsealed month with no facts and keeps agreements apart', async () => {
    const ledger = new S3FactLedger({ s3: s3.client, bucket: BUCKET });
    await ledger.seal('vov-2024', '2024-05', [deliveryFact({ agreementId: 'vov-2024' })]);

    expect(await ledger.read('vov-2024', '2024-06')).toEqual([]);
    expect((await ledger.sealed('vov')).months).toEqual([]);
  });

  it('seals a month again with the same facts without duplicating them', async () => {
    const ledger = new S3FactLedger({ s3: s3.client, bucket: BUCKET });
    const facts = [deliveryFact({ agreementId: 'again' })];

    await ledger.seal('again', '2024-01', facts);
    await ledger.seal('again', '2024-01', facts);

    expect(await ledger.read('again', '2024-01')).toHaveLength(1);
  });

  it('keeps days apart from months, outside any month= partition, and drops them', async () => {
    const ledger = new S3FactLedger({ s3: s3.client, bucket: BUCKET });
    const fact = deliveryFact({ agreementId: 'days-1', routedAt: '2024-04-02T10:00:00.000Z' });

    await ledger.sealDay('days-1', '2024-04-02', [fact]);
    await ledger.sealDay('days-1', '2024-04-01', []);
    await ledger.seal('days-1', '2024-03', []);

    expect(await ledger.sealed('days-1')).toEqual({
      months: ['2024-03'],
      days: ['2024-04-01', '2024-04-02'],
    });
    expect((await ledger.sealed('days-1')).months).toEqual(['2024-03']);
    expect(await ledger.readDay('days-1', '2024-04-02')).toEqual([fact]);
    expect(await ledger.readDay('days-1', '2024-04-01')).toEqual([]);
    expect(await ledger.read('days-1', '2024-04')).toEqual([]);
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'facts/agreement=days-1/' }),
    );
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      'facts/agreement=days-1/days/2024-04-01.ndjson.gz',
      'facts/agreement=days-1/days/2024-04-02.ndjson.gz',
      'facts/agreement=days-1/month=2024-03/facts.ndjson.gz',
    ]);

    await ledger.dropDays('days-1', ['2024-04-01', '2024-04-02', '2024-04-03']);

    expect(await ledger.sealed('days-1')).toEqual({ months: ['2024-03'], days: [] });
    expect(await ledger.readDay('days-1', '2024-04-02')).toEqual([]);
  });
});

describe('agreement report over sealed and live months (dynalite + s3rver)', () => {
  async function setup(now: string) {
    const table = { client: dynamo.client, tableName: await dynamo.createTable() };
    const stores = { deliveries: new DynamoDeliveryStore(table), routing: new DynamoRoutingLog(table) };
    const ports: ReportPorts = {
      agreements: new DynamoAgreementStore(table),
      ...stores,
      facts: new S3FactLedger({ s3: s3.client, bucket: BUCKET }),
      clock: { now: () => new Date(now) },
    };
    const agreement = agreementFixture({
      agreementId: `hg-${Math.random().toString(36).slice(2, 8)}`,
      validFrom: '2024-01-01',
      validTo: '2024-12-31',
      topics: ['infrastructure', 'ocop-products'],
    });
    await new DynamoAgreementStore(table).create(agreement);
    return { ports, agreement, store: stores };
  }

  it('gives the same totals before and after the closed months are sealed, and reads them from the ledger', async () => {
    const { ports, agreement, store } = await setup('2024-06-20T00:00:00.000Z');
    const id = agreement.agreementId;
    await seedArticle(store, id, {
      articleId: 'cau-moi',
      topics: ['infrastructure'],
      at: '2024-02-10T08:00:00.000Z',
      channels: { webhook: ['webhook', 'delivered'], feed: ['feed', 'delivered'] },
      excludedBy: { other: 'excluded:topic' },
    });
    await seedArticle(store, id, {
      articleId: 'che-shan',
      topics: ['ocop-products'],
      at: '2024-06-02T08:00:00.000Z',
      channels: { webhook: ['webhook', 'failed'] },
    });
    const before = await agreementReport(ports, id, {});

    const sealed = await sealFacts(ports);
    const after = await agreementReport(ports, id, {});

    // On 2024-06-20, every day up to 06-12 ended 7 days ago: January to May are compacted whole,
    // June's first twelve days are sealed one by one.
    const june = daysBetween('2024-06-01', '2024-06-12');
    expect(sealed.months.filter((s) => s.agreementId === id).map((s) => s.month)).toEqual([
      '2024-01',
      '2024-02',
      '2024-03',
      '2024-04',
      '2024-05',
    ]);
    expect(sealed.days.filter((s) => s.agreementId === id).map((s) => s.day)).toEqual(june);
    expect(after.sources).toEqual({
      sealed: ['2024-01', '2024-02', '2024-03', '2024-04', '2024-05'],
      sealedDays: june,
      live: ['2024-06', '2024-07', '2024-08', '2024-09', '2024-10', '2024-11', '2024-12'],
    });
    expect(after.totals).toEqual(before.totals);
    expect(after.totals).toMatchObject({ routed: 3, delivered: 2, failed: 1 });
  });

  it('refuses a period outside the term naming the field, and an unknown agreement', async () => {
    const { ports, agreement } = await setup('2024-06-20T00:00:00.000Z');

    await expect(agreementReport(ports, agreement.agreementId, { from: '2023-12-01' })).rejects.toThrow(
      /from/,
    );
    await expect(agreementReport(ports, agreement.agreementId, { to: '2025-01-01' })).rejects.toThrow(/to/);
    await expect(agreementReport(ports, 'no-such', {})).rejects.toThrow(/not found/);
  });
});

describe('sealing by day, compacting by month (dynalite + s3rver)', () => {
  async function setup(now: string) {
    const table = { client: dynamo.client, tableName: await dynamo.createTable() };
    const stores = { deliveries: new DynamoDeliveryStore(table), routing: new DynamoRoutingLog(table) };
    const ledger = new S3FactLedger({ s3: s3.client, bucket: BUCKET });
    let at = now;
    const ports: ReportPorts = {
      agreements: new DynamoAgreementStore(table),
      ...stores,
      facts: ledger,
      clock: { now: () => new Date(at) },
    };
    const agreement = agreementFixture({
      agreementId: `day-${Math.random().toString(36).slice(2, 8)}`,
      validFrom: '2024-01-01',
      validTo: '2024-12-31',
      topics: ['infrastructure', 'ocop-products'],
    });
    await new DynamoAgreementStore(table).create(agreement);
    return {
      ports,
      agreementStore: new DynamoAgreementStore(table),
      ledger,
      id: agreement.agreementId,
      store: stores,
      setNow: (t: string) => {
        at = t;
      },
      /** Deletes delivery items from the table, as their TTL would. */
      expire: async (ds: readonly Delivery[]) => {
        for (const d of ds)
          await table.client.send(
            new DeleteCommand({ TableName: table.tableName, Key: keys.delivery(d.deliveryId) }),
          );
      },
    };
  }

  const webhook = (status: 'delivered' | 'failed') => ({ webhook: ['webhook', status] as const });
  /** One article on infrastructure, routed at `at` to the agreement's webhook, ending `status`. */
  const seedOn = (
    store: Parameters<typeof seedArticle>[0],
    id: string,
    articleId: string,
    at: string,
    status: 'delivered' | 'failed' = 'delivered',
  ) => seedArticle(store, id, { articleId, topics: ['infrastructure'], at, channels: webhook(status) });

  it('seals a day only once it ended 7 days ago, an empty day included', async () => {
    const { ports, ledger, id, store, setNow } = await setup('2024-03-12T23:59:59.999Z');
    await seedOn(store, id, 'a-0304', '2024-03-04T23:30:00.000Z');
    await seedOn(store, id, 'a-0305', '2024-03-05T00:30:00.000Z');

    const first = await sealFacts(ports);

    // 03-05 ended at 03-06T00:00, 7 days less a millisecond ago: not yet.
    expect(first.days.filter((d) => d.agreementId === id)).toEqual([
      { agreementId: id, day: '2024-03-01', facts: 0 },
      { agreementId: id, day: '2024-03-02', facts: 0 },
      { agreementId: id, day: '2024-03-03', facts: 0 },
      { agreementId: id, day: '2024-03-04', facts: 1 },
    ]);
    expect((await ledger.sealed(id)).days).toEqual(['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04']);
    expect(await ledger.readDay(id, '2024-03-04')).toMatchObject([{ articleId: 'a-0304' }]);

    setNow('2024-03-13T00:00:00.000Z');
    const second = await sealFacts(ports);

    expect(second).toEqual({ days: [{ agreementId: id, day: '2024-03-05', facts: 1 }], months: [] });
  });

  it("reads a day's routing records once for a batch of agreements, each sealing its own facts, those on none of its topics counted", async () => {
    const { ports, agreementStore, ledger, id, store } = await setup('2024-03-12T12:00:00.000Z');
    const others = [`${id}-b`, `${id}-c`];
    for (const other of others) {
      await agreementStore.create(
        agreementFixture({ agreementId: other, validFrom: '2024-03-04', validTo: '2024-12-31' }),
      );
    }
    const [byTopic = '', byLanguage = ''] = others;
    const excludedBy = { [byTopic]: 'excluded:topic', [byLanguage]: 'excluded:language' };
    for (const articleId of ['a-1', 'a-2']) {
      await seedArticle(store, id, {
        articleId,
        topics: ['infrastructure'],
        at: '2024-03-04T09:00:00.000Z',
        channels: webhook('delivered'),
        excludedBy,
      });
    }
    const reads = { listBetween: 0, get: 0 };
    const routing = ports.routing;
    const counted: ReportPorts = {
      ...ports,
      routing: {
        listBetween: (...args) => {
          reads.listBetween++;
          return routing.listBetween(...args);
        },
        get: (...args) => {
          reads.get++;
          return routing.get(...args);
        },
      },
    };

    const sealed = await sealFacts(counted);

    // Three agreements due on 2024-03-04 (and the first one's earlier days): one pass over the records.
    expect(reads).toEqual({ listBetween: 1, get: 0 });
    expect(sealed.days.filter((d) => d.day === '2024-03-04')).toEqual(
      expect.arrayContaining([
        { agreementId: id, day: '2024-03-04', facts: 2 },
        { agreementId: byTopic, day: '2024-03-04', facts: 1 },
        { agreementId: byLanguage, day: '2024-03-04', facts: 2 },
      ]),
    );
    expect(await ledger.readDay(id, '2024-03-04')).toEqual([
      expect.objectContaining({ type: 'delivery', topics: ['infrastructure'], language: 'vi' }),
      expect.objectContaining({ type: 'delivery', topics: ['infrastructure'], language: 'vi' }),
    ]);
    // Articles on none of its topics are counted, a day and language a fact; other reasons one each.
    expect(await ledger.readDay(byTopic, '2024-03-04')).toEqual([
      {
        type: 'not-sent',
        agreementId: byTopic,
        language: 'vi',
        topics: [],
        routedAt: '2024-03-04T09:00:00.000Z',
        reason: 'excluded:topic',
        count: 2,
      },
    ]);
    expect(
      (await ledger.readDay(byLanguage, '2024-03-04'))
        .map((f) => f.type === 'not-sent' && f.articleId)
        .sort(),
    ).toEqual(['a-1', 'a-2']);
    const reportOf = async (agreementId: string) =>
      (await agreementReport(ports, agreementId, { from: '2024-03-04', to: '2024-03-04' })).notSent;
    expect(await reportOf(byTopic)).toEqual({ total: 2, byReason: [{ reason: 'excluded:topic', count: 2 }] });
    expect(await reportOf(byLanguage)).toEqual({
      total: 2,
      byReason: [{ reason: 'excluded:language', count: 2 }],
    });
  });

  it('compacts a month once all its days are sealed, its day objects then gone', async () => {
    const { ports, ledger, id, store, setNow } = await setup('2024-03-05T12:00:00.000Z');
    await seedOn(store, id, 'feb-10', '2024-02-10T08:00:00.000Z');
    await seedOn(store, id, 'feb-28', '2024-02-28T08:00:00.000Z', 'failed');

    const first = await sealFacts(ports);

    expect(first.months).toEqual([{ agreementId: id, month: '2024-01', facts: 0 }]);
    expect(first.days.map((d) => d.day)).toEqual(daysBetween('2024-02-01', '2024-02-26'));
    expect(await ledger.sealed(id)).toEqual({
      months: ['2024-01'],
      days: daysBetween('2024-02-01', '2024-02-26'),
    });

    // 02-29 ended 7 days ago on 03-08: February closes, from its sealed days and the three due now.
    setNow('2024-03-08T00:00:00.000Z');
    const second = await sealFacts(ports);

    expect(second).toEqual({ days: [], months: [{ agreementId: id, month: '2024-02', facts: 2 }] });
    expect(await ledger.sealed(id)).toEqual({ months: ['2024-01', '2024-02'], days: [] });
    expect(
      (await ledger.read(id, '2024-02')).map((f) => f.type === 'delivery' && f.articleId).sort(),
    ).toEqual(['feb-10', 'feb-28']);
  });

  it('reports a compacted month, a partly sealed month and live days, each fact once, after the sealed items expired', async () => {
    const { ports, ledger, id, store, expire } = await setup('2024-03-25T10:00:00.000Z');
    const seeded = [
      ...(await seedArticle(store, id, {
        articleId: 'jan-15',
        topics: ['infrastructure'],
        at: '2024-01-15T08:00:00.000Z',
        channels: { webhook: ['webhook', 'delivered'], feed: ['feed', 'delivered'] },
      })),
      ...(await seedArticle(store, id, {
        articleId: 'feb-10',
        topics: ['ocop-products'],
        at: '2024-02-10T08:00:00.000Z',
        channels: webhook('failed'),
      })),
      ...(await seedArticle(store, id, {
        articleId: 'mar-02',
        topics: ['infrastructure'],
        at: '2024-03-02T08:00:00.000Z',
        channels: webhook('delivered'),
      })),
    ];
    await seedArticle(store, 'someone-else', {
      articleId: 'mar-03',
      topics: ['sports'],
      at: '2024-03-03T08:00:00.000Z',
      channels: webhook('delivered'),
      excludedBy: { [id]: 'excluded:topic' },
    });
    const live = await seedOn(store, id, 'mar-20', '2024-03-20T08:00:00.000Z');
    const before = await agreementReport(ports, id, {});

    await sealFacts(ports);
    await expire(seeded);
    const after = await agreementReport(ports, id, {});

    // The table no longer knows the sealed deliveries: the ledger is what answers for them.
    expect(await store.deliveries.get(seeded[0]?.deliveryId ?? '')).toBeUndefined();
    expect(await liveFacts(ports, id, '2024-01-01', '2024-03-17')).toMatchObject([{ type: 'not-sent' }]);
    expect(before.totals).toMatchObject({ routed: 5, delivered: 4, failed: 1 });
    expect(before.notSent.total).toBe(1);
    expect(after.totals).toEqual(before.totals);
    expect(after.notSent).toEqual(before.notSent);
    expect(after.byMonth).toEqual(before.byMonth);
    expect(after.sources).toEqual({
      sealed: ['2024-01', '2024-02'],
      sealedDays: daysBetween('2024-03-01', '2024-03-17'),
      live: [
        '2024-03',
        '2024-04',
        '2024-05',
        '2024-06',
        '2024-07',
        '2024-08',
        '2024-09',
        '2024-10',
        '2024-11',
        '2024-12',
      ],
    });
    // A period inside the partly sealed month: sealed days and live days, nothing twice.
    const march = await agreementReport(ports, id, { from: '2024-03-02', to: '2024-03-20' });
    expect(march.totals).toMatchObject({ routed: 2, delivered: 2 });
    expect(march.notSent.total).toBe(1);
    expect(live).toHaveLength(1);
    expect((await ledger.sealed(id)).months).toEqual(['2024-01', '2024-02']);
  });

  it('changes nothing when it runs again', async () => {
    const { ports, ledger, id, store } = await setup('2024-03-25T10:00:00.000Z');
    await seedOn(store, id, 'mar-02', '2024-03-02T08:00:00.000Z');
    await sealFacts(ports);
    const ledgerBefore = await ledger.sealed(id);
    const report = await agreementReport(ports, id, {});

    const again = await sealFacts(ports);

    expect(again).toEqual({ days: [], months: [] });
    expect(await ledger.sealed(id)).toEqual(ledgerBefore);
    expect((await agreementReport(ports, id, {})).totals).toEqual(report.totals);
  });

  it('counts a month once when its compaction stopped between the month object and dropping its days', async () => {
    const { ports, ledger, id, store, setNow } = await setup('2024-03-05T12:00:00.000Z');
    await seedOn(store, id, 'feb-10', '2024-02-10T08:00:00.000Z');
    await sealFacts(ports);
    setNow('2024-03-08T00:00:00.000Z');
    // The compaction's first step alone: February written whole, its day objects left behind.
    const february = (
      await Promise.all(daysBetween('2024-02-01', '2024-02-29').map((d) => ledger.readDay(id, d)))
    ).flat();
    await ledger.seal(id, '2024-02', february);

    const cutShort = await agreementReport(ports, id, {});

    expect((await ledger.sealed(id)).days).toEqual(daysBetween('2024-02-01', '2024-02-26'));
    expect(cutShort.totals).toMatchObject({ routed: 1, delivered: 1 });
    expect(cutShort.sources.sealed).toEqual(['2024-01', '2024-02']);
    expect(cutShort.sources.sealedDays).toEqual([]);

    const next = await sealFacts(ports);

    expect(next).toEqual({ days: [], months: [] });
    expect(await ledger.sealed(id)).toEqual({ months: ['2024-01', '2024-02'], days: [] });
    expect((await agreementReport(ports, id, {})).totals).toEqual(cutShort.totals);
  });

  it('reads a day missing from the ledger live, and the sealed days after it from the ledger, each fact once', async () => {
    const { ports, ledger, id, store } = await setup('2024-03-25T10:00:00.000Z');
    await seedOn(store, id, 'mar-02', '2024-03-02T08:00:00.000Z');
    await seedOn(store, id, 'mar-10', '2024-03-10T08:00:00.000Z', 'failed');
    await seedOn(store, id, 'mar-20', '2024-03-20T08:00:00.000Z');
    await sealFacts(ports);
    // A gap: 03-02 not sealed (its object lost), the days after it sealed, their items still in the table.
    await ledger.dropDays(id, ['2024-03-02']);

    const report = await agreementReport(ports, id, { from: '2024-03-01', to: '2024-03-31' });

    expect(report.totals).toMatchObject({ routed: 3, delivered: 2, failed: 1 });
    expect(report.sources.sealedDays).toEqual(
      daysBetween('2024-03-01', '2024-03-17').filter((d) => d !== '2024-03-02'),
    );
    expect(report.sources.live).toEqual(['2024-03']);
    expect(await sealFacts(ports)).toEqual({
      days: [{ agreementId: id, day: '2024-03-02', facts: 1 }],
      months: [],
    });
  });
});
