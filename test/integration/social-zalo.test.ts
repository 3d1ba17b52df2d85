import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeHttpClient } from '#adapters/channels/node-http-client.ts';
import { ZaloAdapter } from '#adapters/channels/social/zalo.ts';
import type { Delivery } from '#domain/delivery.ts';
import { type NinjsDocument, type PackagedAsset, toNinjs } from '#formats/ninjs.ts';
import { type FakeZalo, startFakeZalo } from '#infra/local/fakes/zalo.ts';
import type { ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { Article } from '#schemas/article.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { MemorySecrets, socialContext } from '#test/support/channel-attempt.ts';
import { recordedAttempts, storedRefresh } from '#test/support/social-attempts.ts';

const TOKEN = 'zalo-oa-token-8f3Kq1Xv9Lm2Pw7Rt';
/** Zalo app ids are numeric. */
const REFRESH = storedRefresh('zalo', '4291763606161179100');
const CANONICAL = 'https://hagiang.gov.vn/tin-tuc/ky-ket-vtv4';

let fake: FakeZalo;
const secrets = new MemorySecrets();
const http = new NodeHttpClient({ allowPrivateTargets: true });
const adapter = new ZaloAdapter({ http, secrets });
const outcomes: ChannelOutcome[] = [];

beforeAll(async () => {
  fake = await startFakeZalo({ accessToken: TOKEN });
});
afterAll(async () => {
  http.close();
  await fake?.close();
  // Whatever happened in this file, the token, the refresh token and the secret key never reached an outcome.
  for (const secret of [TOKEN, REFRESH.refreshToken, REFRESH.clientSecret]) {
    expect(JSON.stringify(outcomes)).not.toContain(secret);
  }
});
beforeEach(() => {
  secrets.values.set('social/vtv4/zalo', JSON.stringify({ accessToken: TOKEN, ...REFRESH }));
  fake.requests.length = 0;
});

function manifestOf(overrides: Partial<Article> = {}, assets: PackagedAsset[] = []): NinjsDocument {
  return toNinjs(articleFixture({ canonicalUrl: CANONICAL, ...overrides }), assets, {
    assetHref: (a) => `https://cdn.hagiang.gov.vn/${a.key}`,
  });
}

function ctxOf(delivery: Partial<Delivery> = {}, manifest = manifestOf()): SendContext<ChannelOf<'social'>> {
  const social: ChannelOf<'social'> = {
    channelId: 'zalo',
    type: 'social',
    network: 'zalo',
    baseUrl: fake.baseUrl,
    credentialsRef: 'social/vtv4/zalo',
  };
  return socialContext(social, delivery, manifest);
}

const { publish, takeDown } = recordedAttempts(adapter, ctxOf, outcomes);

const bodyOf = (i: number) => fake.requests[i]?.json as Record<string, unknown>;

describe('ZaloAdapter against a fake Zalo OA article API', () => {
  it('creates an article, verifies it and keeps the article id', async () => {
    const outcome = await publish();

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 200 });
    expect(fake.requests.map((r) => r.path)).toEqual(['/v2.0/article/create', '/v2.0/article/verify']);
    expect(fake.articles.has(outcome.remoteId ?? '')).toBe(true);
    const article = articleFixture();
    expect(bodyOf(0)).toEqual({
      type: 'normal',
      title: article.title,
      author: article.byline,
      description: article.summary,
      body: [
        { type: 'text', content: article.summary },
        { type: 'text', content: CANONICAL },
      ],
      status: 'show',
      comment: 'show',
    });
    for (const request of fake.requests) {
      expect(request.headers.access_token).toBe(TOKEN);
      expect(request.url).not.toContain(TOKEN);
      expect(request.raw).not.toContain(TOKEN);
      // Only the token endpoint ever gets the refresh token and the secret key.
      expect(JSON.stringify(request)).not.toContain(REFRESH.refreshToken);
      expect(JSON.stringify(request)).not.toContain(REFRESH.clientSecret);
    }
  });

  it('sends Vietnamese text byte for byte, decomposed marks included', async () => {
    const title = 'Hà Giang: lễ hội Khèn Mông và chợ tình Khâu Vai'.normalize('NFD');
    const summary = 'Người dân các dân tộc thiểu số đón khách ở Đồng Văn, Mèo Vạc.';

    const outcome = await publish(ctxOf({}, manifestOf({ title, summary })));

    const stored = fake.articles.get(outcome.remoteId ?? '');
    expect(Buffer.from(stored?.title ?? '', 'utf8')).toEqual(Buffer.from(title, 'utf8'));
    expect(stored?.description).toBe(summary);
    expect(stored?.body[0]?.content).toBe(summary);
  });

  it('shortens a long title and summary to Zalo limits at a word boundary', async () => {
    const title = `${'Hà Giang đẩy mạnh tuyên truyền về xây dựng nông thôn mới '.repeat(4)}kết thúc`;

    const outcome = await publish(ctxOf({}, manifestOf({ title })));

    expect(outcome).toMatchObject({ verdict: 'delivered' });
    const sent = bodyOf(0);
    const sentTitle = String(sent.title);
    expect([...sentTitle].length).toBeLessThanOrEqual(150);
    expect(sentTitle).toMatch(/^Hà Giang đẩy mạnh .*\S…$/);
    expect(title.startsWith(sentTitle.slice(0, -1))).toBe(true);
    expect([...String(sent.description)].length).toBeLessThanOrEqual(300);
  });

  it('adds a cover only when the manifest has a picture at a public URL', async () => {
    const photo: PackagedAsset = {
      assetId: 'ky-ket-vtv4',
      uri: 's3://loa-content/hagiang/ky-ket-vtv4.jpg',
      mimeType: 'image/jpeg',
      key: 'assets/ky-ket-vtv4.jpg',
      sizeBytes: 48_213,
    };

    await publish(ctxOf({}, manifestOf({}, [photo])));

    expect(bodyOf(0).cover).toEqual({
      cover_type: 'photo',
      photo_url: 'https://cdn.hagiang.gov.vn/assets/ky-ket-vtv4.jpg',
      status: 'show',
    });
  });

  it("covers the article with the picture through the agreement's signed asset URL, which Zalo can fetch", async () => {
    const linking = new ZaloAdapter({
      http,
      secrets,
      config: { publicBaseUrl: 'https://loa.hagiang.gov.vn', assetLinkTtlSeconds: 3600 },
    });
    const agreementId = agreementFixture().agreementId;
    secrets.values.set(`loa/agreements/${agreementId}/feed-keys/k1`, 'a-link-signing-key-of-the-agreement');
    const photo: PackagedAsset = {
      assetId: 'ky-ket-vtv4',
      uri: 's3://loa-content/hagiang/ky-ket-vtv4.jpg',
      mimeType: 'image/jpeg',
      key: 'packages/hagiang-vtv4/v1/assets/ky-ket-vtv4/ky-ket-vtv4.jpg',
      sizeBytes: 48_213,
    };
    // As stored: the picture's href is in the packages bucket, which Zalo cannot reach.
    const stored = toNinjs(articleFixture({ canonicalUrl: CANONICAL }), [photo], {
      assetHref: (a) => `s3://loa-packages/${a.key}`,
    });
    const ctx = ctxOf({}, stored);

    linking.classify(await linking.send(ctx, await linking.prepare(ctx)), ctx);

    const cover = bodyOf(0).cover as { photo_url: string };
    const url = new URL(cover.photo_url);
    expect(`${url.origin}${url.pathname}`).toBe(
      `https://loa.hagiang.gov.vn/assets/${agreementId}/${Buffer.from(photo.key).toString('base64url')}`,
    );
    expect(url.searchParams.get('kid')).toBe('k1');
    expect(url.searchParams.get('sig')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(Number(url.searchParams.get('expires'))).toBe(Math.floor(ctx.now.getTime() / 1000) + 3600);
  });

  it('fails on an invalid token, naming -216 and never the token', async () => {
    secrets.values.set('social/vtv4/zalo', JSON.stringify({ accessToken: 'not-the-oa-token' }));

    const outcome = await publish();

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 200,
      error: 'Zalo -216 access token invalid or expired (create)',
    });
    expect(outcome.remoteId).toBeUndefined();
  });

  it('fails on another Zalo error code, with its message', async () => {
    fake.fail({ kind: 'error', error: -224, message: 'OA has not purchased the service package' });

    expect(await publish()).toMatchObject({
      verdict: 'failed',
      error: 'Zalo -224 OA has not purchased the service package (create)',
    });
  });

  it('takes the token out of an error message that quotes it', async () => {
    fake.fail({ kind: 'error', error: -201, message: `access_token ${TOKEN} is malformed` });

    expect(await publish()).toMatchObject({
      verdict: 'failed',
      error: 'Zalo -201 access_token [token] is malformed (create)',
    });
  });

  it('retries when the call limit is reached, waiting for Retry-After when sent', async () => {
    fake.fail({ kind: 'rate-limit', retryAfterSeconds: 60 });

    expect(await publish()).toMatchObject({
      verdict: 'retry',
      httpStatus: 200,
      waitMs: 60_000,
      error: 'Zalo -32 Your application reached limit call api (create)',
    });
  });

  it('retries the call limit without a wait of its own when Zalo gives none', async () => {
    fake.fail({ kind: 'rate-limit' });

    const outcome = await publish();

    expect(outcome.verdict).toBe('retry');
    expect(outcome.waitMs).toBeUndefined();
  });

  it('retries an HTTP 5xx from Zalo', async () => {
    fake.fail({ kind: 'server-error', status: 502 });

    expect(await publish()).toMatchObject({ verdict: 'retry', httpStatus: 502, error: 'HTTP 502 (create)' });
  });

  it('retries, with no answer, when Zalo does not answer in time', async () => {
    fake.fail({ kind: 'hang' });

    const outcome = await publish({ ...ctxOf(), timeoutMs: 200 });

    expect(outcome).toMatchObject({ verdict: 'retry', error: 'timeout (create)', noAnswer: true });
  });

  it('retries a verify that fails after the create, without an article id', async () => {
    fake.fail({ kind: 'pass' }, { kind: 'server-error', status: 503 });

    const outcome = await publish();

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 503, error: 'HTTP 503 (verify)' });
    expect(outcome.remoteId).toBeUndefined();
    expect(fake.requests.map((r) => r.path)).toEqual(['/v2.0/article/create', '/v2.0/article/verify']);
  });

  it('updates the article in place, keeping its id', async () => {
    const first = await publish();
    fake.requests.length = 0;

    const second = await publish(
      ctxOf(
        { version: 2, supersedes: { version: 1, remoteId: first.remoteId } },
        manifestOf({ title: 'Đính chính: Hà Giang ký kết với VTV4' }),
      ),
    );

    expect(second).toMatchObject({ verdict: 'delivered', remoteId: first.remoteId });
    expect(fake.requests.map((r) => r.path)).toEqual(['/v2.0/article/update', '/v2.0/article/verify']);
    expect(bodyOf(0).id).toBe(first.remoteId);
    expect(fake.articles.get(first.remoteId ?? '')).toMatchObject({
      title: 'Đính chính: Hà Giang ký kết với VTV4',
      updates: 1,
    });
  });

  it('fails an update of an article Zalo no longer has', async () => {
    const outcome = await publish(ctxOf({ version: 2, supersedes: { version: 1, remoteId: 'deadbeef' } }));

    expect(outcome).toMatchObject({ verdict: 'failed', error: 'Zalo -201 Article is not existed (update)' });
  });

  it('removes every article, counting one already removed as done', async () => {
    const a = await publish();
    const b = await publish();
    fake.requests.length = 0;

    const outcome = await takeDown([a.remoteId ?? '', 'already-removed', b.remoteId ?? '']);

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 200 });
    expect(fake.requests.map((r) => (r.json as { id: string }).id)).toEqual([
      a.remoteId,
      'already-removed',
      b.remoteId,
    ]);
    expect(fake.articles.has(a.remoteId ?? '')).toBe(false);
    expect(fake.articles.has(b.remoteId ?? '')).toBe(false);
  });

  it('counts removing an article that is already gone as done', async () => {
    expect(await takeDown(['never-existed'])).toMatchObject({ verdict: 'delivered' });
  });

  it('stops a takedown at the first remove that fails', async () => {
    const a = await publish();
    const b = await publish();
    fake.requests.length = 0;
    fake.fail({ kind: 'rate-limit' });

    const outcome = await takeDown([a.remoteId ?? '', b.remoteId ?? '']);

    expect(outcome).toMatchObject({
      verdict: 'retry',
      error: `Zalo -32 Your application reached limit call api (remove ${a.remoteId})`,
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('refuses a takedown with no article id, discarding it', async () => {
    await expect(
      adapter.undo(ctxOf({ kind: 'withdrawal', takedown: { remoteIds: [] } })),
    ).rejects.toMatchObject({
      name: 'ChannelRefusal',
      discard: true,
    });
  });

  it('names the Zalo origin as the endpoint', () => {
    expect(adapter.endpoint(ctxOf().channel)).toBe(fake.baseUrl);
  });
});
