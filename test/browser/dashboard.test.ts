/**
 * The dashboard in Chromium (Debian's, else the one @sparticuz/chromium ships), driven by playwright-core: sign in with the ops token, see a
 * failed delivery (its title, which carries markup, shown as text), press replay, see it delivered.
 * A screenshot is kept under .loa-test/artifacts/.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '#domain/delivery.ts';
import { agreementInput } from '#test/support/agreement-input.ts';
import { type OpenChromium, openChromium } from '#test/support/chromium.ts';
import { OPS_TOKEN, startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { approve, createAgreement } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';

const ARTIFACTS = join(process.cwd(), '.loa-test', 'artifacts');
const SOCIAL_TOKEN = 'x-oauth2-token-never-on-the-page';
const HOSTILE_TITLE =
  'Hà Giang <script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"> & VTV4';

let loa: TestLoa;
let partner: Receiver;
let browser: OpenChromium;
let page: Page;
let failed: Delivery;

beforeAll(async () => {
  partner = await new Receiver().start();
  partner.script('/cms/browser', [], { status: 400, body: 'rejected' });
  loa = await startTestLoa();
  await createAgreement(loa, 'browser-partner', `${partner.baseUrl}/cms/browser`, {
    partnerName: 'Đài Phát thanh Hà Giang',
  });
  const channels = await loa.ops(
    'POST',
    '/ops/agreements',
    agreementInput('browser-channels', {
      partner: { partnerId: 'vtv4', name: 'VTV4' },
      topics: ['culture-tourism'],
      channels: [
        { type: 'social', network: 'x', credentials: { accessToken: SOCIAL_TOKEN } },
        { type: 'social', channelId: 'zalo', network: 'zalo', credentials: { accessToken: SOCIAL_TOKEN } },
        { type: 'broadcast', target: 's3', bucket: 'vtv4-ingest', prefix: 'loa/' },
        { type: 'feed' },
      ],
    }),
  );
  expect(channels.status).toBe(201);
  await approve(loa, 'browser-article', { title: HOSTILE_TITLE });
  await loa.settled();
  const listed = await loa.ops('GET', '/ops/deliveries?agreementId=browser-partner&status=failed');
  failed = listed.json.items[0];
  browser = await openChromium();
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await loa?.close();
  await partner?.stop();
});

describe('the operations dashboard', () => {
  it('refuses a wrong token at sign-in', async () => {
    await page.goto(`${loa.baseUrl}/ops/`);
    await page.fill('#token', 'not-the-token');
    await page.click('#signin-button');

    await expect
      .poll(() => page.textContent('#signin-error'))
      .toMatch(/Mã vận hành không đúng|Wrong ops token/);
    expect(await page.isVisible('#app')).toBe(false);
  });

  it('shows the failed delivery with its title as text, replays it and shows it delivered', async () => {
    expect(failed).toMatchObject({ status: 'failed', title: HOSTILE_TITLE });
    await page.fill('#token', OPS_TOKEN);
    await page.click('#signin-button');
    const row = page.locator(`#failed-table tr[data-delivery-id="${failed.deliveryId}"]`);
    await row.waitFor();

    // The markup in the title is text on the page: no element made from it, no script run.
    expect(await row.locator('.title').textContent()).toBe(HOSTILE_TITLE);
    expect(await page.locator('#failed-table script, #failed-table img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await row.locator('.error-text').textContent()).toBe('HTTP 400');
    const health = page.locator('#health-table tr[data-agreement-id="browser-partner"]');
    expect(await health.getAttribute('data-health')).toBe('failing');

    partner.script('/cms/browser', [], { status: 200 });
    await row.locator('button.replay').click();
    await page
      .locator(`#failed-table tr[data-delivery-id="${failed.deliveryId}"][data-status="delivered"]`)
      .waitFor({
        timeout: 20_000,
      });

    await mkdir(ARTIFACTS, { recursive: true });
    expect(await row.locator('.error-text').textContent()).toBe('');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-replayed.png'), fullPage: true });
    expect(partner.to('/cms/browser')).toHaveLength(2);
    await page.locator('#audit-table tr[data-replay-id]').first().waitFor();
    expect(await page.locator('#audit-table tbody').textContent()).toContain(failed.deliveryId);
  }, 60_000);

  it('switches its labels between Vietnamese and English', async () => {
    const before = await page.textContent('#failed-title');

    await page.click('#lang-toggle');
    const after = await page.textContent('#failed-title');
    await page.click('#lang-toggle');

    expect(before).toBe('Giao thất bại');
    expect(after).toBe('Failed deliveries');
  });

  it('shows everywhere an article went, with why', async () => {
    await page.fill('#article-id', 'browser-article');
    await page.click('#article-form button[type="submit"]');
    const row = page.locator(`#article-table tr[data-delivery-id="${failed.deliveryId}"]`);
    await row.waitFor();
    await row.locator('button.link').click();

    await expect.poll(() => row.locator('.explanation').textContent()).toContain('covered');
  });

  it("shows each agreement's channels by kind and network or target, in either language, never a token", async () => {
    const chips = page.locator('#health-table tr[data-agreement-id="browser-channels"] .channel');
    const texts = () => chips.allTextContents();

    const vi = await texts();
    await page.click('#lang-toggle');
    await expect.poll(texts).not.toEqual(vi);
    const en = await texts();
    await page.click('#lang-toggle');

    expect(vi).toEqual(['Mạng xã hội · X', 'Mạng xã hội · Zalo', 'Phát sóng · S3', 'Nguồn tin']);
    expect(en).toEqual(['Social · X', 'Social · Zalo', 'Broadcast · S3', 'Feed']);
    expect(await chips.evaluateAll((n) => n.map((e) => e.getAttribute('data-channel-id')))).toEqual([
      'social',
      'zalo',
      'broadcast',
      'feed',
    ]);
    expect(await page.textContent('#health-table thead')).toContain('Các kênh');
    expect(await page.content()).not.toContain(SOCIAL_TOKEN);
  });
});
