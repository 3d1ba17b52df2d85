/**
 * The delivery rules end to end on the local runtime (docs/delivery-rules.md): embargo on public
 * channels whatever the agreement's mode, term checked at every attempt, conflicting re-approvals,
 * corrections to agreements that no longer match. Real partner servers and the network fakes; the
 * handlers' clock is a manual one and queue delays are scaled to milliseconds, so nothing waits on
 * the wall clock: each step polls for what it expects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SocialFakes, startSocialFakes } from '#infra/local/demo.ts';
import { type FakeIngest, startFakeIngest } from '#infra/local/fakes/ingest.ts';
import type { Article } from '#schemas/article.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { ManualClock } from '#test/support/feed-harness.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { validateNewsMl } from '#test/support/newsml-validator.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';
import { until } from '#test/support/until.ts';

const HOUR = 3_600_000;
const IMAGE = Buffer.from('ảnh: bytes of the picture');
const TOKENS = { x: 'x-user-token-rules', facebook: 'EAArulesPageToken', zalo: 'zalo-rules-token' };
const PAGE = '1000000042';

let loa: TestLoa;
let clock: ManualClock;
let social: SocialFakes;
let ingest: FakeIngest;
let partner: Receiver;

async function approve(articleId: string, overrides: Partial<Article> = {}): Promise<Article> {
  const article = articleFixture({ articleId, approvedAt: clock.now().toISOString(), ...overrides });
  await loa.approveArticle(article, IMAGE);
  return article;
}

async function agreement(agreementId: string, body: { channels: unknown[]; [field: string]: unknown }) {
  return postAgreement(loa, {
    agreementId,
    partnerName: 'Đài Phát thanh và Truyền hình Hà Giang',
    topics: ['infrastructure'],
    ...body,
  });
}

const deliveriesOf = async (agreementId: string, articleId: string) =>
  (await loa.deliveriesOf(agreementId)).filter((d) => d.articleId === articleId);

beforeAll(async () => {
  [social, ingest, partner] = await Promise.all([
    startSocialFakes(TOKENS, PAGE),
    startFakeIngest(),
    new Receiver().start(),
  ]);
  loa = await startTestLoa({
    queueTimeScale: 0.001,
    // Retries an hour apart on the handlers' clock: a retry happens only once the test moves it.
    retryPolicy: { baseDelayMs: HOUR, maxDelayMs: HOUR, maxAttempts: 4, timeoutMs: 2000 },
  });
  // Starts at the real time, so partners checking signature timestamps accept the first sends.
  clock = new ManualClock(new Date());
  loa.deps.clock = { now: clock.now };
});

afterAll(async () => {
  await loa?.close();
  await Promise.all([social?.close(), ingest?.close(), partner?.stop()]);
});

describe('embargo on every channel', () => {
  it('holds X, Facebook and Zalo posts until the embargo under a pass-through agreement, while webhook and broadcast carry it at once', async () => {
    await agreement('pass-through', {
      embargo: 'pass-through',
      channels: [
        { type: 'webhook', channelId: 'cms', url: `${partner.baseUrl}/pass-through` },
        { type: 'broadcast', channelId: 'ingest', target: 'http', url: ingest.baseUrl },
        ...social.channels(),
      ],
    });
    const embargoUntil = new Date(clock.now().getTime() + HOUR).toISOString();

    await approve('cam-cong-bo', { embargoUntil, topics: ['infrastructure'] });
    await until(
      'the webhook and the NewsML-G2 document',
      () =>
        partner.to('/pass-through').length === 1 &&
        [...ingest.files.keys()].some((k) => k.endsWith('newsml.xml')),
    );
    await until(
      'the social deliveries',
      async () => (await deliveriesOf('pass-through', 'cam-cong-bo')).length === 5,
    );
    const socialBefore = (await deliveriesOf('pass-through', 'cam-cong-bo')).filter(
      (d) => d.channelType === 'social',
    );
    const posted = () => social.x.posts.size + social.facebook.posts.size + social.zalo.articles.size;
    const postedBefore = posted();
    clock.advance(HOUR + 1000);
    await until('the posts after the embargo', () => posted() === 3);

    const webhook = JSON.parse(partner.to('/pass-through')[0]?.body ?? '{}');
    expect(webhook.data.embargoed).toBe(embargoUntil);
    const newsml = [...ingest.files.entries()].find(([k]) => k.endsWith('newsml.xml'))?.[1].text ?? '';
    expect(newsml).toContain(`<embargoed>${embargoUntil}</embargoed>`);
    expect(await validateNewsMl(newsml)).toEqual({ valid: true, errors: [] });
    expect(postedBefore).toBe(0);
    expect(socialBefore.map((d) => [d.status, d.nextAttemptAt])).toEqual([
      ['pending', embargoUntil],
      ['pending', embargoUntil],
      ['pending', embargoUntil],
    ]);
  });
});

describe('term at every attempt', () => {
  it('discards as term-ended a retry made after the agreement term ended between two attempts', async () => {
    const today = clock.now().toISOString().slice(0, 10);
    partner.script('/ends-today', [{ status: 503 }]);
    await agreement('ends-today', {
      validTo: today,
      channels: [{ type: 'webhook', channelId: 'cms', url: `${partner.baseUrl}/ends-today` }],
    });
    await approve('het-han', { topics: ['infrastructure'] });
    await until(
      'the first attempt',
      async () => (await deliveriesOf('ends-today', 'het-han'))[0]?.status === 'retrying',
    );

    clock.advance(24 * HOUR);
    await until(
      'the retry',
      async () => (await deliveriesOf('ends-today', 'het-han'))[0]?.status === 'discarded',
    );

    const [d] = await deliveriesOf('ends-today', 'het-han');
    expect(d).toMatchObject({ status: 'discarded', lastError: 'term-ended', attemptCount: 2 });
    expect(partner.to('/ends-today')).toHaveLength(1);
    const url = await loa.ops('POST', '/ops/agreements/ends-today/feed-url', { format: 'rss' });
    expect(url.status).toBe(409);
  });
});

describe('immutable packages', () => {
  it('records a conflicting re-approval as version-conflict, naming what differs, and sends nothing more', async () => {
    await agreement('conflicts', {
      topics: ['culture-tourism'],
      channels: [{ type: 'webhook', channelId: 'cms', url: `${partner.baseUrl}/conflicts` }],
    });
    const first = await approve('mot-phien-ban', { topics: ['culture-tourism'] });
    await until('the first delivery', () => partner.to('/conflicts').length === 1);
    await loa.settled();

    await approve('mot-phien-ban', { ...first, title: `${first.title} — sửa lại` });
    await loa.settled();
    await approve('mot-phien-ban', first);
    await loa.settled();

    const rejections = (await loa.ops('GET', '/ops/rejections')).json.items as { problems: string[] }[];
    const conflicts = rejections.filter((r) => r.problems.some((p) => p.includes('mot-phien-ban')));
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.problems[0]).toMatch(
      /^version-conflict: mot-phien-ban version 1 .*differs: title\)/,
    );
    expect(partner.to('/conflicts')).toHaveLength(1);
    expect(JSON.parse(partner.to('/conflicts')[0]?.body ?? '{}').data.headlines[0].value).toBe(first.title);
  });
});

describe('corrections', () => {
  it('sends v2 as article.updated to an agreement that received v1 but no longer matches, saying why', async () => {
    const created = await agreement('narrowed', {
      topics: ['border-security'],
      channels: [{ type: 'webhook', channelId: 'cms', url: `${partner.baseUrl}/narrowed` }],
    });
    await approve('bien-gioi', { topics: ['border-security'] });
    await until('v1', () => partner.to('/narrowed').length === 1);
    await loa.settled();
    const patched = await loa.ops('PATCH', '/ops/agreements/narrowed', {
      topics: ['ocop-products'],
      ifUpdatedAt: created.agreement.updatedAt,
    });
    expect(patched.status, patched.text).toBe(200);

    await approve('bien-gioi', {
      topics: ['border-security'],
      version: 2,
      title: 'Đính chính số liệu biên giới',
    });
    await until('v2', () => partner.to('/narrowed').length === 2);

    const body = JSON.parse(partner.to('/narrowed')[1]?.body ?? '{}');
    expect(body.type).toBe('article.updated');
    expect(body.data.headlines[0].value).toBe('Đính chính số liệu biên giới');
    const why = await loa.ops('GET', '/ops/articles/bien-gioi/routing/2');
    expect(JSON.stringify(why.json)).toContain('"correction"');
  });
});
