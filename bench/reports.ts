/**
 * Reports: an agreement report over a five-year term of 100,000 deliveries, every month sealed in the
 * S3 fact ledger (s3rver, over the wire), beside a plain scan of the same facts (list, GET, gunzip,
 * parse, count) as baseline. Also the ledger's cost per million deliveries (modelled; docs/benchmarks.md).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { s3Client } from '#adapters/aws/clients.ts';
import { S3FactLedger } from '#adapters/aws/s3-fact-ledger.ts';
import { agreementReport, type ReportPorts } from '#app/agreement-report.ts';
import type { DeliveryStatus } from '#domain/delivery.ts';
import { type DeliveryFact, monthsBetween } from '#domain/fact.ts';
import { agreementTables } from '#formats/report-table.ts';
import { toXlsx } from '#formats/report-xlsx.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { figure, type PartResult, round, sig } from './figure.ts';
import { PRICES } from './prices.ts';

const DELIVERIES = 100_000;
const RUNS = 5;
const GOAL_MS = 3000;
const TOPICS = [
  'party-resolutions',
  'infrastructure',
  'national-target-programmes',
  'administrative-reform',
  'environment',
  'culture-tourism',
  'ocop-products',
  'border-security',
];
const CHANNELS = ['webhook', 'feed', 'broadcast', 'social'] as const;
const STATUSES: DeliveryStatus[] = [
  'delivered',
  'delivered',
  'delivered',
  'delivered',
  'failed',
  'discarded',
];

const agreement: Agreement = {
  agreementId: 'bench-term',
  partner: { partnerId: 'vtv4', name: 'Ban Truyền hình đối ngoại VTV4' },
  status: 'active',
  validFrom: '2020-01-01',
  validTo: '2024-12-31',
  topics: TOPICS,
  languages: ['vi', 'en'],
  channels: [{ channelId: 'feed', type: 'feed' }],
  embargo: 'hold',
  feedKeys: [],
  commitments: TOPICS.map((topic) => ({ topic, per: 'quarter' as const, atLeast: 6 })),
  createdAt: '2020-01-01T00:00:00.000Z',
  updatedAt: '2020-01-01T00:00:00.000Z',
};

/** A term's facts, spread evenly over its months, topics, channels and languages. */
function factsOfMonth(month: string, count: number, offset: number): DeliveryFact[] {
  return Array.from({ length: count }, (_, j) => {
    const i = offset + j;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const at = `${month}-${day}T0${i % 10}:00:00.000Z`;
    const channelType = CHANNELS[i % CHANNELS.length] ?? 'webhook';
    const status = STATUSES[i % STATUSES.length] ?? 'delivered';
    return {
      type: 'delivery',
      deliveryId: `d${String(i).padStart(8, '0')}`,
      agreementId: agreement.agreementId,
      articleId: `a${Math.floor(i / 4)}`,
      version: i % 13 === 0 ? 2 : 1,
      kind: i % 97 === 0 ? 'withdrawal' : 'publish',
      channelId: channelType,
      channelType,
      language: i % 5 === 0 ? 'en' : 'vi',
      topics: [TOPICS[Math.floor(i / 4) % TOPICS.length] ?? 'infrastructure'],
      status,
      routedAt: at,
      approvedAt: at,
      ...(status === 'delivered' && {
        deliveredAt: new Date(Date.parse(at) + 1000 + (i % 50) * 100).toISOString(),
      }),
      attempts: 1,
      ...(channelType === 'feed' && i % 3 === 0 && { firstPulledAt: at }),
      downloads: i % 7,
    };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; out: T }> {
  const t0 = performance.now();
  const out = await fn();
  return { ms: performance.now() - t0, out };
}

export async function run(): Promise<PartResult> {
  const directory = await mkdtemp(join(tmpdir(), 'loa-bench-reports-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  const { port } = await server.run();
  const s3 = s3Client('us-east-1', `http://127.0.0.1:${port}`);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'loa-packages' }));
    const ledger = new S3FactLedger({ s3, bucket: 'loa-packages' });
    const months = monthsBetween(agreement.validFrom, agreement.validTo);
    const per = Math.ceil(DELIVERIES / months.length);
    let gzBytes = 0;
    let seeded = 0;
    for (const [k, month] of months.entries()) {
      const facts = factsOfMonth(month, Math.min(per, DELIVERIES - seeded), k * per);
      seeded += facts.length;
      gzBytes += gzipSync(facts.map((f) => `${JSON.stringify(f)}\n`).join('')).length;
      await ledger.seal(agreement.agreementId, month, facts);
    }
    const ports: ReportPorts = {
      agreements: { get: async () => agreement, list: async () => [agreement] },
      deliveries: { listByAgreement: async () => ({ items: [] }) },
      routing: { get: async () => undefined, listBetween: async () => ({ items: [] }) },
      facts: ledger,
      clock: { now: () => new Date('2026-12-01T00:00:00.000Z') },
    };
    // Baseline: the same objects read and counted, nothing aggregated.
    const scan = async () => {
      const sealed = (await ledger.sealed(agreement.agreementId)).months;
      const all = await Promise.all(sealed.map((m) => ledger.read(agreement.agreementId, m)));
      return all.reduce((n, xs) => n + xs.length, 0);
    };
    await scan(); // warm-up: s3rver's first reads, the JIT
    await agreementReport(ports, agreement.agreementId, {});
    const reportMs: number[] = [];
    const scanMs: number[] = [];
    let routed = 0;
    for (let r = 0; r < RUNS; r++) {
      const b = await timed(scan);
      scanMs.push(b.ms);
      const a = await timed(() => agreementReport(ports, agreement.agreementId, {}));
      reportMs.push(a.ms);
      routed = a.out.totals.routed + a.out.totals.withdrawals;
    }
    if (routed !== seeded) throw new Error(`report counted ${routed} deliveries of ${seeded}`);
    const report = await agreementReport(ports, agreement.agreementId, {});
    const xlsx = await timed(() => toXlsx([], agreementTables(report)));

    // Cost per delivery (docs/benchmarks.md): no DynamoDB write. The daily sealer writes a day object
    // per agreement (PUT) after listing its ledger (LIST), and once a month the month object (PUT) from
    // the days read back (GETs); it reads each delivery once (its day's list entries, then the item),
    // and each article version's routing record once for a batch of up to 200 agreements (here one).
    const perAgreementMonth = per;
    const usd = PRICES.usd;
    const s3PerDelivery =
      ((30 + 30 + 1) * usd.s3PutClassRequest + 30 * usd.s3GetClassRequest) / perAgreementMonth;
    const deliveryItemKb = 1.5;
    const listEntryKb = 0.3;
    const readUnits = (listEntryKb / 4) * 0.5 + 0.5 + 1 / CHANNELS.length;
    const dynamoPerDelivery = readUnits * usd.dynamoReadRequestUnit;
    const perMillion = (s3PerDelivery + dynamoPerDelivery) * 1e6;
    const gzPerFact = gzBytes / seeded;
    return {
      figures: [
        figure({
          name: `agreement report, 5-year term, ${DELIVERIES.toLocaleString('en')} deliveries (median of ${RUNS})`,
          value: round(median(reportMs), 0),
          unit: 'ms',
          baseline: round(median(scanMs), 0),
          baselineName: 'plain scan of the same facts (list, GET, gunzip, parse, count)',
          goal: { on: 'value', op: '<', target: GOAL_MS },
          note: `sealed ledger on s3rver, ${months.length} objects; XLSX of that report rendered in ${round(xlsx.ms, 0)} ms`,
        }),
        figure({
          name: 'fact ledger: DynamoDB write units per delivery',
          value: 0,
          unit: 'WRU',
          goal: { on: 'value', op: '<=', target: 0.5 },
          note: 'facts are sealed from the items the pipeline already wrote; nothing is written to the table',
        }),
        figure({
          name: 'fact ledger cost per million deliveries',
          value: sig(perMillion),
          unit: 'USD',
          note: `S3 ${sig(s3PerDelivery * 1e6)} (per agreement-month of ${perAgreementMonth}: 30 day objects and 30 LISTs, a month object from 30 GETs), DynamoDB reads ${sig(dynamoPerDelivery * 1e6)} (${round(readUnits, 3)} RRU: a ${listEntryKb} KB list entry and a ${deliveryItemKb} KB item read once, a routing record per ${CHANNELS.length} channels); ${round(gzPerFact, 0)} bytes per fact gzipped`,
        }),
      ],
      detail: { reportMs, scanMs, xlsxMs: xlsx.ms, seeded, months: months.length, gzBytes, gzPerFact },
    };
  } finally {
    s3.destroy();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  }
}
