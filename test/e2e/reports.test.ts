/**
 * Agreement reports on the whole local runtime: a term of deliveries seeded across topics, channels
 * and months (older months sealed into the S3 ledger), plus articles approved live through the bus;
 * the report as JSON, CSV and XLSX read back with independent readers and reconciled with the
 * delivery items; the CLI; bad input refused naming the field.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '#domain/delivery.ts';
import { runLoa } from '#test/support/cli-harness.ts';
import { OPS_TOKEN, startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { agreementRequest, approve, postAgreement } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';
import { seedArticle } from '#test/support/report-seed.ts';
import { parseCsv, unzip } from '#test/support/zip.ts';

const ID = 'hg-term';
const PARTNER = 'Đài Phát thanh – Truyền hình Hà Giang';
const TOPICS = ['infrastructure', 'ocop-products', 'culture-tourism', 'border-security'];
const CHANNELS = [
  ['webhook', 'webhook'],
  ['feed', 'feed'],
  ['broadcast', 'broadcast'],
  ['social', 'social'],
] as const;
const STATUSES = ['delivered', 'delivered', 'delivered', 'failed', 'discarded'] as const;

let loa: TestLoa;
let partner: Receiver;
let dir: string;

/** Every delivery item of the agreement, through the ops API's pages. */
async function allDeliveries(): Promise<Delivery[]> {
  const items: Delivery[] = [];
  let cursor = '';
  do {
    const res = await loa.ops('GET', `/ops/agreements/${ID}/deliveries?limit=200${cursor}`);
    expect(res.status).toBe(200);
    items.push(...res.json.items);
    cursor = res.json.cursor ? `&cursor=${encodeURIComponent(res.json.cursor)}` : '';
  } while (cursor);
  return items;
}

async function raw(path: string): Promise<{ status: number; type: string; bytes: Buffer }> {
  const res = await fetch(`${loa.baseUrl}${path}`, { headers: { authorization: `Bearer ${OPS_TOKEN}` } });
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    bytes: Buffer.from(await res.arrayBuffer()),
  };
}

beforeAll(async () => {
  partner = await new Receiver().start();
  partner.script('/cms/hg', []);
  loa = await startTestLoa();
  dir = await mkdtemp(join(tmpdir(), 'loa-report-'));
  await postAgreement(loa, {
    agreementId: ID,
    partnerId: 'hg-tv',
    partnerName: PARTNER,
    validFrom: '2021-01-01',
    validTo: '2026-12-31',
    topics: TOPICS,
    languages: ['vi', 'en'],
    channels: [{ type: 'webhook', url: `${partner.baseUrl}/cms/hg` }, { type: 'feed' }],
    commitments: [{ topic: 'ocop-products', per: 'year', atLeast: 3 }],
  });
  // Five years of history: one article a month, topics and channels in turn, a correction every
  // seventh, a takedown every eleventh.
  let n = 0;
  for (let y = 2021; y <= 2025; y++)
    for (let m = 1; m <= 12; m++) {
      n += 1;
      const [channelId, type] = CHANNELS[n % CHANNELS.length] ?? CHANNELS[0];
      const at = `${y}-${String(m).padStart(2, '0')}-1${n % 9}T0${n % 8}:00:00.000Z`;
      const article = {
        articleId: `hg-${y}-${m}`,
        topics: [TOPICS[n % TOPICS.length] ?? 'infrastructure'],
        language: n % 3 === 0 ? 'en' : 'vi',
        at,
        channels: { [channelId]: [type, STATUSES[n % STATUSES.length] ?? 'delivered'] },
        excludedBy: {},
      } as const;
      await seedArticle(loa.deps, ID, article);
      if (n % 7 === 0) await seedArticle(loa.deps, ID, { ...article, version: 2 });
      if (n % 11 === 0)
        await seedArticle(loa.deps, ID, {
          ...article,
          kind: 'withdrawal',
          channels: { [channelId]: [type, 'delivered'] },
        });
    }
  await approve(loa, 'hg-live-1', { topics: ['infrastructure'] });
  await approve(loa, 'hg-live-2', { topics: ['ocop-products'] });
  await loa.settled();
  const sealed = await loa.ops('POST', '/ops/reports/seal');
  expect(sealed.status).toBe(200);
  // What it wrote: the closed months whole, the settled days of the month still open one by one.
  expect(sealed.json.sealed.months).toContainEqual(
    expect.objectContaining({ agreementId: ID, month: '2021-01' }),
  );
  expect(Array.isArray(sealed.json.sealed.days)).toBe(true);
});

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the agreement report over its term', () => {
  it('reconciles exactly with the delivery items, closed months read from the sealed ledger', async () => {
    const items = await allDeliveries();

    const res = await loa.ops('GET', `/ops/agreements/${ID}/report`);

    expect(res.status).toBe(200);
    const { totals, sources, byMonth, byChannel, rows } = res.json;
    const publish = items.filter((d) => (d.kind ?? 'publish') === 'publish');
    const count = (s: string) => publish.filter((d) => d.status === s).length;
    expect(totals.routed).toBe(publish.length);
    expect(totals.withdrawals).toBe(items.length - publish.length);
    expect(totals.delivered).toBe(count('delivered'));
    expect(totals.failed).toBe(count('failed'));
    expect(totals.discarded).toBe(count('discarded'));
    expect(totals.corrections).toBe(publish.filter((d) => d.version > 1).length);
    const sum = (xs: { routed: number }[]) => xs.reduce((s, x) => s + x.routed, 0);
    expect(sum(byMonth)).toBe(totals.routed);
    expect(sum(byChannel)).toBe(totals.routed);
    // Each seeded article has one topic, so the topic × month × channel × language rows add up too.
    expect(sum(rows)).toBe(totals.routed);
    expect(sources.sealed).toContain('2021-01');
    expect(sources.sealed).toContain('2025-12');
    expect(sources.live).toContain('2026-12');
    expect(res.json.agreement.partner.name).toBe(PARTNER);
  });

  it('shows commitment progress per year with the shortfall of a short year', async () => {
    const res = await loa.ops('GET', `/ops/agreements/${ID}/report`);

    const [ocop] = res.json.commitments;
    expect(ocop.topic).toBe('ocop-products');
    expect(ocop.periods.map((p: { period: string }) => p.period)).toEqual([
      '2021',
      '2022',
      '2023',
      '2024',
      '2025',
      '2026',
    ]);
    for (const p of ocop.periods) expect(p.shortfall).toBe(Math.max(0, 3 - p.count));
    expect(ocop.periods.at(-1).state).toMatch(/open|met/);
  });

  it('narrows to a period within the term', async () => {
    const year = await loa.ops('GET', `/ops/agreements/${ID}/report?from=2023-01-01&to=2023-12-31`);
    const items = (await allDeliveries()).filter((d) => d.createdAt.startsWith('2023'));

    expect(year.status).toBe(200);
    expect(year.json.totals.routed + year.json.totals.withdrawals).toBe(items.length);
    expect(year.json.byMonth.every((m: { month: string }) => m.month.startsWith('2023'))).toBe(true);
  });

  it('exports CSV in UTF-8 with a BOM whose rows add up to the totals', async () => {
    const json = await loa.ops('GET', `/ops/agreements/${ID}/report`);

    const csv = await raw(`/ops/agreements/${ID}/report?format=csv`);

    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/^text\/csv; charset=utf-8/);
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(csv.bytes.subarray(3).toString('utf8'));
    expect(header?.slice(0, 5)).toEqual(['topic', 'month', 'channel', 'language', 'routed']);
    expect(rows).toHaveLength(json.json.rows.length);
    expect(rows.reduce((s, r) => s + Number(r[4]), 0)).toBe(json.json.totals.routed);
  });

  it('exports XLSX whose sheets, read from the raw zip and by exceljs, hold the same rows and the partner byte-exact', async () => {
    const json = await loa.ops('GET', `/ops/agreements/${ID}/report`);

    const xlsx = await raw(`/ops/agreements/${ID}/report?format=xlsx`);

    expect(xlsx.status).toBe(200);
    expect(xlsx.type).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const entries = unzip(xlsx.bytes);
    const workbook = entries.get('xl/workbook.xml')?.toString('utf8') ?? '';
    expect([...workbook.matchAll(/<sheet [^>]*name="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'report',
      'rows',
      'topics',
      'totals',
      'commitments',
      'not-sent',
      'latency',
    ]);
    const rowsSheet = entries.get('xl/worksheets/sheet2.xml')?.toString('utf8') ?? '';
    expect(rowsSheet.match(/<row /g)).toHaveLength(json.json.rows.length + 1);
    const title = entries.get('xl/worksheets/sheet1.xml') ?? Buffer.alloc(0);
    expect(title.includes(Buffer.from(PARTNER, 'utf8'))).toBe(true);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    const totals = book.getWorksheet('totals')?.getRow(2).values as unknown[];
    expect(totals?.[2]).toBe(json.json.totals.routed);
  });
});

describe('the overview and expiring agreements', () => {
  it('puts every agreement of the period side by side per topic, adding up to each one report', async () => {
    const overview = await loa.ops('GET', '/ops/reports/overview?from=2024-01-01&to=2024-12-31');
    const one = await loa.ops('GET', `/ops/agreements/${ID}/report?from=2024-01-01&to=2024-12-31`);

    expect(overview.status).toBe(200);
    const mine = overview.json.rows.filter((r: { agreementId: string }) => r.agreementId === ID);
    expect(mine.map((r: { topic: string }) => r.topic)).toEqual(
      one.json.byTopic.map((t: { topic: string }) => t.topic),
    );
    expect(mine.reduce((s: number, r: { routed: number }) => s + r.routed, 0)).toBe(one.json.totals.routed);
  });

  it('lists agreements whose term ends within 30 days', async () => {
    const res = await loa.ops('GET', '/ops/reports/expiring?days=30');

    expect(res.status).toBe(200);
    expect(res.json.items.map((a: { agreementId: string }) => a.agreementId)).toContain(ID);
  });
});

describe('loa report', () => {
  const cli = (args: string[]) => runLoa(loa, args);

  it('prints the report as a table with the partner and per-topic totals', async () => {
    const run = await cli(['report', 'agreement', ID]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(PARTNER);
    expect(run.stdout).toMatch(/ocop-products/);
    expect(run.stdout).toMatch(/TOTAL/);
  });

  it('writes CSV and XLSX files, with progress on stderr', async () => {
    const csvFile = join(dir, 'r.csv');
    const xlsxFile = join(dir, 'r.xlsx');

    const csv = await cli(['--progress', 'report', 'agreement', ID, '--format', 'csv', '-o', csvFile]);
    const xlsx = await cli([
      'report',
      'agreement',
      ID,
      '--from',
      '2022-01-01',
      '--format',
      'xlsx',
      '-o',
      xlsxFile,
    ]);

    expect(csv.code).toBe(0);
    expect(csv.stderr).toMatch(/100%/);
    expect([...(await readFile(csvFile)).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(xlsx.code).toBe(0);
    expect(unzip(await readFile(xlsxFile)).has('xl/workbook.xml')).toBe(true);
  });

  it('refuses xlsx to the terminal and an unknown format as usage errors', async () => {
    expect((await cli(['report', 'agreement', ID, '--format', 'xlsx'])).code).toBe(2);
    expect((await cli(['report', 'agreement', ID, '--format', 'pdf'])).stderr).toMatch(/--format/);
  });
});

describe('bad input', () => {
  it.each([
    ['from after to', '?from=2024-05-01&to=2024-04-01', 'from'],
    ['a start before the term', '?from=2020-06-01', 'from'],
    ['an end after the term', '?to=2027-01-31', 'to'],
    ['an unknown format', '?format=pdf', 'format'],
    ['a date that is not one', '?from=2024-13-45', 'from'],
  ])('refuses %s with 400 naming the field', async (_what, query, field) => {
    const res = await loa.ops('GET', `/ops/agreements/${ID}/report${query}`);

    expect(res.status).toBe(400);
    expect(res.text).toContain(field);
  });

  it('answers 404 for an unknown agreement', async () => {
    const res = await loa.ops('GET', '/ops/agreements/no-such-agreement/report');

    expect(res.status).toBe(404);
    expect(res.text).toContain('no-such-agreement');
  });

  it('refuses a malformed commitment naming it, and stores nothing', async () => {
    const before = await loa.ops('GET', '/ops/agreements');
    const body = agreementRequest({
      agreementId: 'hg-bad-commitment',
      partnerId: 'x',
      partnerName: 'X',
      validTo: '2024-12-31',
      topics: ['infrastructure'],
      channels: [{ type: 'feed' }],
    });

    const wrongPeriod = await loa.ops('POST', '/ops/agreements', {
      ...body,
      commitments: [{ topic: 'infrastructure', per: 'fortnight', atLeast: 2 }],
    });
    const foreignTopic = await loa.ops('POST', '/ops/agreements', {
      ...body,
      commitments: [{ topic: 'ocop-products', per: 'month', atLeast: 2 }],
    });
    const after = await loa.ops('GET', '/ops/agreements');

    expect(wrongPeriod.status).toBe(400);
    expect(wrongPeriod.text).toContain('commitments');
    expect(foreignTopic.status).toBe(400);
    expect(foreignTopic.text).toContain('commitments');
    expect(after.json.items).toEqual(before.json.items);
  });
});
