import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgreementStore } from '#adapters/aws/dynamo-agreement-store.ts';
import { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import { DynamoRoutingLog } from '#adapters/aws/dynamo-routing-log.ts';
import { S3FactLedger } from '#adapters/aws/s3-fact-ledger.ts';
import { agreementReport, type ReportPorts } from '#app/agreement-report.ts';
import { sealFacts } from '#app/seal-facts.ts';
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
    expect(await ledger.sealedMonths('bao-ha-giang')).toEqual(['2024-03']);
  });

  it('answers an unsealed month with no facts and keeps agreements apart', async () => {
    const ledger = new S3FactLedger({ s3: s3.client, bucket: BUCKET });
    await ledger.seal('vov-2024', '2024-05', [deliveryFact({ agreementId: 'vov-2024' })]);

    expect(await ledger.read('vov-2024', '2024-06')).toEqual([]);
    expect(await ledger.sealedMonths('vov')).toEqual([]);
  });

  it('seals a month again with the same facts without duplicating them', async () => {
    const ledger = new S3FactLedger({ s3: s3.client, bucket: BUCKET });
    const facts = [deliveryFact({ agreementId: 'again' })];

    await ledger.seal('again', '2024-01', facts);
    await ledger.seal('again', '2024-01', facts);

    expect(await ledger.read('again', '2024-01')).toHaveLength(1);
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

    expect(sealed.filter((s) => s.agreementId === id).map((s) => s.month)).toEqual([
      '2024-01',
      '2024-02',
      '2024-03',
      '2024-04',
    ]);
    expect(after.sources.sealed).toEqual(['2024-01', '2024-02', '2024-03', '2024-04']);
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
