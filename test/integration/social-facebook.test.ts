import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeHttpClient } from '#adapters/channels/node-http-client.ts';
import { FacebookAdapter } from '#adapters/channels/social/facebook.ts';
import type { Delivery } from '#domain/delivery.ts';
import { type NinjsDocument, toNinjs } from '#formats/ninjs.ts';
import { type FacebookFault, type FakeFacebook, startFakeFacebook } from '#infra/local/fakes/facebook.ts';
import {
  type ChannelOf,
  type ChannelOutcome,
  ChannelRefusal,
  type SendContext,
} from '#ports/channel-adapter.ts';
import type { Article } from '#schemas/article.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { MemorySecrets, socialContext } from '#test/support/channel-attempt.ts';
import { recordedAttempts } from '#test/support/social-attempts.ts';

const TOKEN = 'EAAGm0PX4ZCpsBAFakePageToken123';
const CANONICAL = 'https://hagiang.gov.vn/tin-tuc/ky-ket-vtv4';

let fake: FakeFacebook;
const secrets = new MemorySecrets();
const http = new NodeHttpClient({ allowPrivateTargets: true });
const adapter = new FacebookAdapter({ http, secrets });
const outcomes: ChannelOutcome[] = [];

beforeAll(async () => {
  fake = await startFakeFacebook({ pageId: '104857600123', accessToken: TOKEN });
});
afterAll(async () => {
  http.close();
  await fake?.close();
  // Whatever happened in this file, the token never reached an outcome.
  expect(JSON.stringify(outcomes)).not.toContain(TOKEN);
});
beforeEach(() => {
  secrets.values.set('social/vtv4/facebook', JSON.stringify({ accessToken: TOKEN }));
  fake.requests.length = 0;
});

function manifestOf(overrides: Partial<Article> = {}): NinjsDocument {
  return toNinjs(articleFixture({ canonicalUrl: CANONICAL, ...overrides }), [], { assetHref: () => '' });
}

function ctxOf(
  delivery: Partial<Delivery> = {},
  manifest = manifestOf(),
  channel: Partial<ChannelOf<'social'>> = {},
): SendContext<ChannelOf<'social'>> {
  const social: ChannelOf<'social'> = {
    channelId: 'facebook',
    type: 'social',
    network: 'facebook',
    baseUrl: fake.baseUrl,
    accountId: fake.pageId,
    credentialsRef: 'social/vtv4/facebook',
    ...channel,
  };
  return socialContext(social, delivery, manifest);
}

const { publish, takeDown } = recordedAttempts(adapter, ctxOf, outcomes);

describe('FacebookAdapter against a fake Graph API', () => {
  it('posts the message and link to the page feed and keeps the post id', async () => {
    const outcome = await publish();

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 200 });
    expect(outcome.remoteId).toMatch(/^104857600123_\d+$/);
    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v21.0/104857600123/feed' });
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.url).not.toContain(TOKEN);
    expect(request?.params.access_token).toBeUndefined();
    expect(request?.params.link).toBe(CANONICAL);
    const article = articleFixture();
    expect(request?.params.message).toBe(
      `${article.title}\n\n${article.summary}\n\n#PartyResolutions #Infrastructure #NationalTargetProgrammes ` +
        '#AdministrativeReform #EnvironmentClimate',
    );
    expect(fake.posts.get(outcome.remoteId ?? '')?.message).toBe(request?.params.message);
  });

  it('sends Vietnamese text byte for byte, decomposed marks included', async () => {
    const title = 'Hà Giang: lễ hội Khèn Mông và chợ tình Khâu Vai'.normalize('NFD');
    const summary = 'Người dân các dân tộc thiểu số đón khách ở Đồng Văn, Mèo Vạc.';

    const outcome = await publish(ctxOf({}, manifestOf({ title, summary })));

    const posted = fake.posts.get(outcome.remoteId ?? '')?.message ?? '';
    expect(Buffer.from(posted, 'utf8').subarray(0, Buffer.byteLength(title))).toEqual(
      Buffer.from(title, 'utf8'),
    );
    expect(posted).toContain(`\n\n${summary}\n\n`);
  });

  it('fails on an invalid token, naming code 190 and never the token', async () => {
    secrets.values.set('social/vtv4/facebook', JSON.stringify({ accessToken: 'EAAwrongTokenValue' }));

    const outcome = await publish();

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 400,
      error: 'Facebook 190 access token invalid or expired',
    });
    expect(outcome.remoteId).toBeUndefined();
  });

  it.each<[string, FacebookFault, Partial<ChannelOutcome>]>([
    [
      'fails on an expired token',
      { kind: 'token-expired' },
      { verdict: 'failed', error: 'Facebook 190 access token invalid or expired' },
    ],
    [
      'fails on a duplicate post (506)',
      { kind: 'duplicate' },
      { verdict: 'failed', error: 'Facebook 506 Duplicate status message' },
    ],
    [
      'fails on another 4xx Graph error, with its code and message',
      { kind: 'error', status: 403, code: 200, message: '(#200) Permissions error' },
      { verdict: 'failed', httpStatus: 403, error: 'Facebook 200 (#200) Permissions error' },
    ],
    [
      'retries a 5xx whatever its code',
      { kind: 'error', status: 503, code: 12345, message: 'Service down' },
      { verdict: 'retry', httpStatus: 503, error: 'Facebook 12345 Service down' },
    ],
    [
      'retries a page rate limit after estimated_time_to_regain_access',
      { kind: 'rate-limit', code: 32, regainMinutes: 7 },
      {
        verdict: 'retry',
        httpStatus: 400,
        waitMs: 7 * 60_000,
        error: 'Facebook 32 (#32) Page request limit reached',
      },
    ],
    [
      'retries an app rate limit after Retry-After when no regain time is given',
      { kind: 'rate-limit', code: 4, retryAfterSeconds: 30 },
      { verdict: 'retry', waitMs: 30_000 },
    ],
    [
      'retries a Business Use Case limit (80001)',
      { kind: 'rate-limit', code: 80001, regainMinutes: 2 },
      { verdict: 'retry', waitMs: 120_000 },
    ],
  ])('%s', async (_name, fault, expected) => {
    fake.fail(fault);

    expect(await publish()).toMatchObject(expected);
  });

  it('takes the token out of an error message that quotes it', async () => {
    fake.fail({ kind: 'error', status: 400, code: 100, message: `Malformed access token ${TOKEN}` });

    const outcome = await publish();

    expect(outcome).toMatchObject({
      verdict: 'failed',
      error: 'Facebook 100 Malformed access token [token]',
    });
  });

  it('retries a transient 500', async () => {
    fake.fail({ kind: 'transient' });

    const outcome = await publish();

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 500 });
    expect(outcome.error).toMatch(/^Facebook 2 /);
  });

  it('retries, with no answer, when Graph does not answer in time', async () => {
    fake.fail({ kind: 'hang' });

    const outcome = await publish({ ...ctxOf(), timeoutMs: 200 });

    expect(outcome).toMatchObject({ verdict: 'retry', error: 'timeout', noAnswer: true });
    expect(outcome.httpStatus).toBeUndefined();
  });

  it('updates by deleting the old post and posting the new version', async () => {
    const first = await publish();
    fake.requests.length = 0;

    const second = await publish(ctxOf({ version: 2, supersedes: { version: 1, remoteId: first.remoteId } }));

    expect(second).toMatchObject({ verdict: 'delivered' });
    expect(second.remoteId).not.toBe(first.remoteId);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /v21.0/${first.remoteId}`,
      'POST /v21.0/104857600123/feed',
    ]);
    expect(fake.posts.has(first.remoteId ?? '')).toBe(false);
    expect(fake.posts.has(second.remoteId ?? '')).toBe(true);
  });

  it('reposts an update whose old post is already gone', async () => {
    const outcome = await publish(
      ctxOf({ version: 2, supersedes: { version: 1, remoteId: '104857600123_999999' } }),
    );

    expect(outcome).toMatchObject({ verdict: 'delivered' });
    expect(fake.requests.map((r) => r.method)).toEqual(['DELETE', 'POST']);
  });

  it('does not repost when deleting the old post is rate limited', async () => {
    const first = await publish();
    fake.requests.length = 0;
    fake.fail({ kind: 'rate-limit', code: 32, regainMinutes: 1 });

    const outcome = await publish(
      ctxOf({ version: 2, supersedes: { version: 1, remoteId: first.remoteId } }),
    );

    expect(outcome).toMatchObject({ verdict: 'retry', waitMs: 60_000 });
    expect(outcome.error).toContain(`(delete ${first.remoteId})`);
    expect(outcome.remoteId).toBeUndefined();
    expect(fake.requests.map((r) => r.method)).toEqual(['DELETE']);
  });

  it('takes down every post, counting one already deleted as done', async () => {
    const a = await publish();
    const b = await publish();
    fake.requests.length = 0;

    const outcome = await takeDown([a.remoteId ?? '', '104857600123_424242', b.remoteId ?? '']);

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 200 });
    expect(fake.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE', 'DELETE']);
    expect(fake.posts.has(a.remoteId ?? '')).toBe(false);
    expect(fake.posts.has(b.remoteId ?? '')).toBe(false);
    expect(
      fake.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}` && !r.url.includes(TOKEN)),
    ).toBe(true);
  });

  it('counts a takedown of a post that is already gone as done', async () => {
    expect(await takeDown(['104857600123_31337'])).toMatchObject({ verdict: 'delivered', httpStatus: 400 });
  });

  it('stops a takedown at the first delete that fails', async () => {
    const a = await publish();
    const b = await publish();
    fake.requests.length = 0;
    fake.fail({ kind: 'transient' });

    const outcome = await takeDown([a.remoteId ?? '', b.remoteId ?? '']);

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 500 });
    expect(outcome.error).toContain(`(delete ${a.remoteId})`);
    expect(fake.requests).toHaveLength(1);
    expect(fake.posts.has(b.remoteId ?? '')).toBe(true);
  });

  it('refuses a takedown with no post id, discarding it', async () => {
    const ctx = ctxOf({ kind: 'withdrawal', takedown: { remoteIds: [] } });

    await expect(adapter.undo(ctx)).rejects.toMatchObject({ name: 'ChannelRefusal', discard: true });
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a channel without a page id before any request', async () => {
    const ctx = ctxOf({}, manifestOf(), { accountId: undefined });

    await expect(adapter.prepare(ctx)).rejects.toThrow(ChannelRefusal);
    expect(fake.requests).toHaveLength(0);
  });

  it('discards when the credentials are gone from the secret store', async () => {
    secrets.values.delete('social/vtv4/facebook');

    await expect(adapter.prepare(ctxOf())).rejects.toMatchObject({ name: 'ChannelRefusal', discard: true });
  });

  it('names the Graph origin as the endpoint', () => {
    expect(adapter.endpoint(ctxOf().channel)).toBe(new URL(fake.baseUrl).origin);
  });
});
