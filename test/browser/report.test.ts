/**
 * The agreement report page in Debian's Chromium: its charts (topics × months, pickup) render in
 * Vietnamese and in English, the partner's name (with markup in it) is text, and the print view
 * hides the controls and keeps the charts. Screenshots and a PDF land in .loa-test/artifacts/.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreementInput } from '#test/support/agreement-input.ts';
import { type OpenChromium, openChromium } from '#test/support/chromium.ts';
import { OPS_TOKEN, startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { seedArticle } from '#test/support/report-seed.ts';

const ARTIFACTS = join(process.cwd(), '.loa-test', 'artifacts');
const ID = 'report-page';
const PARTNER = 'Đài PT-TH Hà Giang <img src="x" onerror="window.__pwned = 1">';
const TOPICS = ['infrastructure', 'ocop-products', 'culture-tourism'];

let loa: TestLoa;
let browser: OpenChromium;
let page: Page;

beforeAll(async () => {
  browser = await openChromium();
  page = browser.page;
  loa = await startTestLoa();
  const created = await loa.ops(
    'POST',
    '/ops/agreements',
    agreementInput(ID, {
      partner: { partnerId: 'hg', name: PARTNER },
      validTo: '2024-12-31',
      topics: TOPICS,
      commitments: [{ topic: 'ocop-products', per: 'quarter', atLeast: 2 }],
    }),
  );
  expect(created.status).toBe(201);
  for (let m = 1; m <= 12; m++)
    await seedArticle(loa.deps, ID, {
      articleId: `rp-${m}`,
      topics: [TOPICS[m % TOPICS.length] ?? 'infrastructure'],
      at: `2024-${String(m).padStart(2, '0')}-10T08:00:00.000Z`,
      channels: { feed: ['feed', 'delivered'], webhook: ['webhook', m % 4 === 0 ? 'failed' : 'delivered'] },
    });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await loa?.close();
});

async function open(language: 'vi' | 'en') {
  await page.goto(`${loa.baseUrl}/ops/report.html?agreement=${ID}`);
  await page.evaluate(
    (l) =>
      (
        globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }
      ).localStorage.setItem('loa-ops-lang', l),
    language,
  );
  await page.reload();
  await page.fill('#token', OPS_TOKEN);
  await page.click('#show');
  await page.locator(`body[data-report="${ID}"]`).waitFor();
}

describe('the agreement report page', () => {
  it('draws topics × months and pickup charts in Vietnamese, with the partner as text', async () => {
    await open('vi');

    expect(await page.locator('#topic-months rect.cell').count()).toBe(TOPICS.length * 12);
    const march = page.locator('#topic-months rect.cell[data-topic="infrastructure"][data-month="2024-03"]');
    expect(await march.getAttribute('data-count')).toBe('2');
    expect(
      await page.locator('#pickup rect[data-series="fed"][data-month="2024-05"]').getAttribute('data-count'),
    ).toBe('1');
    expect(await page.textContent('h1')).toBe('Báo cáo thỏa thuận');
    expect(await page.textContent('#chart-pickup')).toContain('Vào nguồn tin');
    expect(await page.textContent('#r-partner')).toBe(PARTNER);
    expect(await page.locator('#report img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.textContent('#r-commitments')).toMatch(/Chưa đạt|Đạt/);
    expect(await page.locator('#r-history tbody tr').count()).toBe(1);
    expect(await page.textContent('#r-history')).toContain('POST /ops/agreements');
  });

  it('switches to English, charts and labels alike', async () => {
    await open('vi');

    await page.click('#lang-toggle');

    expect(await page.textContent('h1')).toBe('Agreement report');
    expect(await page.textContent('#chart-pickup')).toContain('Into the feed');
    expect(await page.locator('#topic-months rect.cell').count()).toBe(TOPICS.length * 12);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('#r-history thead')).toContain('Changed');
  });

  it('prints without the controls, with the charts', async () => {
    await open('vi');

    await page.emulateMedia({ media: 'print' });

    expect(await page.isVisible('#query')).toBe(false);
    expect(await page.isVisible('#print')).toBe(false);
    expect(await page.isVisible('#topic-months')).toBe(true);
    expect(await page.isVisible('#pickup')).toBe(true);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report-print.png'), fullPage: true });
    const pdf = join(ARTIFACTS, 'report.pdf');
    await page.pdf({ path: pdf, format: 'A4', landscape: true });
    expect((await stat(pdf)).size).toBeGreaterThan(1000);
    await page.emulateMedia({ media: 'screen' });
    expect(await page.isVisible('#query')).toBe(true);
  });
});
