import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NodeHttpClient } from '#adapters/channels/node-http-client.ts';
import { XAdapter } from '#adapters/channels/social/x.ts';
import { FileSecretStore } from '#adapters/file-secret-store.ts';
import type { Delivery } from '#domain/delivery.ts';
import { xWeightedLength } from '#domain/social-post.ts';
import { toNinjs } from '#formats/ninjs.ts';
import { type FakeX, startFakeX } from '#infra/local/fakes/x.ts';
import {
  type ChannelOf,
  type ChannelOutcome,
  ChannelRefusal,
  type SendContext,
} from '#ports/channel-adapter.ts';
import type { Article } from '#schemas/article.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { storedRefresh } from '#test/support/social-attempts.ts';

const TOKEN = 'x-user-token-0123456789abcdef';
const REFRESH = storedRefresh('x');
const CANONICAL = 'https://hagiang.gov.vn/tin-tuc/ha-giang-ky-ket-phoi-hop-tuyen-truyen-voi-vtv4';

type XChannel = ChannelOf<'social'>;

let fake: FakeX;
let dir: string;
let secrets: FileSecretStore;
const http = new NodeHttpClient({ allowPrivateTargets: true });
let adapter: XAdapter;
/** Every error an outcome or a refusal carried, checked for the token at the end. */
const errors: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loa-x-'));
  secrets = new FileSecretStore(join(dir, 'secrets.json'));
  await secrets.put('x-creds', JSON.stringify({ accessToken: TOKEN, ...REFRESH }));
  await secrets.put('x-wrong', JSON.stringify({ accessToken: 'not-the-right-token' }));
  await secrets.put('x-garbled', `{"accessToken": "${TOKEN}"`);
  adapter = new XAdapter({ http, secrets });
});
beforeEach(async () => {
  fake = await startFakeX({ accessTokens: [TOKEN] });
});
afterEach(async () => {
  await fake.close();
});
afterAll(async () => {
  http.close();
  await rm(dir, { recursive: true, force: true });
  expect(errors.length).toBeGreaterThan(5);
  for (const error of errors) {
    for (const secret of [TOKEN, REFRESH.refreshToken, REFRESH.clientSecret])
      expect(error).not.toContain(secret);
  }
});

function channel(overrides: Partial<XChannel> = {}): XChannel {
  return {
    channelId: 'x',
    type: 'social',
    network: 'x',
    baseUrl: fake.baseUrl,
    credentialsRef: 'x-creds',
    ...overrides,
  };
}

function ctx(
  options: {
    delivery?: Partial<Delivery>;
    article?: Partial<Article>;
    channel?: Partial<XChannel>;
    timeoutMs?: number;
  } = {},
): SendContext<XChannel> {
  const ch = channel(options.channel);
  return {
    delivery: deliveryFixture({ channelId: 'x', channelType: 'social', ...options.delivery }),
    agreement: agreementFixture({ channels: [ch] }),
    channel: ch,
    manifest: toNinjs(articleFixture({ canonicalUrl: CANONICAL, ...options.article }), [], {
      assetHref: () => '',
    }),
    now: new Date(),
    timeoutMs: options.timeoutMs ?? 2_000,
  };
}

function record(outcome: ChannelOutcome): ChannelOutcome {
  if (outcome.error) errors.push(outcome.error);
  return outcome;
}

async function publish(c: SendContext<XChannel>): Promise<ChannelOutcome> {
  return record(adapter.classify(await adapter.send(c, await adapter.prepare(c)), c));
}

async function takedown(c: SendContext<XChannel>): Promise<ChannelOutcome> {
  return record(adapter.classify(await adapter.undo(c), c));
}

async function refusal(promise: Promise<unknown>): Promise<ChannelRefusal> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChannelRefusal);
  errors.push((error as ChannelRefusal).message);
  return error as ChannelRefusal;
}

describe('XAdapter publishing', () => {
  it('posts the article with the bearer token and stores the id X gives the post', async () => {
    const c = ctx();
    const outcome = await publish(c);

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 201 });
    const [post] = [...fake.posts.values()];
    expect(outcome.remoteId).toBe(post?.id);
    expect(post?.id).toMatch(/^\d+$/);
    const sent = fake.requests[0];
    expect(sent).toMatchObject({ method: 'POST', path: '/2/tweets' });
    expect(sent?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent?.body).toEqual({ text: post?.text });
    // The Vietnamese title goes out byte for byte, with the link to the publisher's page.
    const title = c.manifest.headlines[0]?.value ?? '';
    expect(post?.text.startsWith(`${title}\n\n`)).toBe(true);
    expect(post?.text).toContain(CANONICAL);
    expect(xWeightedLength(post?.text ?? '')).toBeLessThanOrEqual(280);
  });

  it('fails with X 401 when the token is refused, without the token in the error', async () => {
    const outcome = await publish(ctx({ channel: { credentialsRef: 'x-wrong' } }));

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 401,
      error: 'X 401 unauthorized: token invalid or expired',
    });
  });

  it("fails with X's detail when X refuses a duplicate post", async () => {
    expect((await publish(ctx())).verdict).toBe('delivered');

    const outcome = await publish(ctx());

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 403,
      error: 'X 403 You are not allowed to create a Tweet with duplicate content.',
    });
    expect(outcome.remoteId).toBeUndefined();
    expect(fake.posts.size).toBe(1);
  });

  it('retries a 503 without a wait of its own, though X sends its rate-limit reset on every answer', async () => {
    fake.script({ status: 503 });

    const outcome = await publish(ctx());

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 503, error: 'X 503 Service Unavailable' });
    expect(outcome.waitMs).toBeUndefined();
    expect(fake.posts.size).toBe(0);
    // The next attempt goes through.
    expect((await publish(ctx())).verdict).toBe('delivered');
  });

  it('waits until x-rate-limit-reset on a 429', async () => {
    const c = ctx();
    const resetAt = Math.floor(c.now.getTime() / 1000) + 600;
    fake.script({ status: 429, resetAt });

    const outcome = await publish(c);

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 429, error: 'X 429 Too Many Requests' });
    expect(outcome.waitMs).toBe(resetAt * 1000 - c.now.getTime());
  });

  it('answers 429 by itself once the window is used up, with the same headers', async () => {
    await fake.close();
    fake = await startFakeX({ accessTokens: [TOKEN], rateLimit: { limit: 1, windowSeconds: 900 } });
    expect((await publish(ctx())).verdict).toBe('delivered');

    const c = ctx({ article: { title: 'Một bài khác' } });
    const outcome = await publish(c);

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 429 });
    expect(outcome.waitMs).toBeGreaterThan(0);
    expect(outcome.waitMs).toBeLessThanOrEqual(900_000 + 1_000);
  });

  it('retries, as no answer, when X does not answer before the timeout', async () => {
    fake.script({ hang: true });

    const outcome = await publish(ctx({ timeoutMs: 200 }));

    expect(outcome).toMatchObject({ verdict: 'retry', error: 'X timeout', noAnswer: true });
    expect(outcome.httpStatus).toBeUndefined();
  });

  it('refuses, to be discarded, when the credentials are gone from the secret store', async () => {
    const error = await refusal(adapter.prepare(ctx({ channel: { credentialsRef: 'x-removed' } })));

    expect(error.discard).toBe(true);
    expect(error.message).toMatch(/x credentials missing from the secret store/);
    expect(fake.requests).toEqual([]);
  });

  it('refuses, as failed, credentials that are not JSON, without quoting them', async () => {
    const error = await refusal(adapter.prepare(ctx({ channel: { credentialsRef: 'x-garbled' } })));

    expect(error.discard).toBe(false);
    expect(error.message).toMatch(/x credentials .* are not valid/);
  });

  it('names the origin of the base URL as its endpoint', () => {
    expect(adapter.endpoint(channel({ baseUrl: 'https://api.x.com/' }))).toBe('https://api.x.com');
  });
});

describe('XAdapter updates', () => {
  it('answers the superseded post with a correction reply, labelled in Vietnamese', async () => {
    const first = await publish(ctx());
    const c = ctx({
      delivery: { version: 2, supersedes: { version: 1, remoteId: first.remoteId } },
      article: { version: 2, title: 'Hà Giang và VTV4 ký kết phối hợp tuyên truyền (cập nhật số liệu)' },
    });

    const outcome = await publish(c);

    expect(outcome.verdict).toBe('delivered');
    expect(outcome.remoteId).not.toBe(first.remoteId);
    const reply = fake.posts.get(outcome.remoteId ?? '');
    expect(reply?.inReplyTo).toBe(first.remoteId);
    expect(reply?.text.startsWith('Cập nhật: Hà Giang và VTV4 ký kết')).toBe(true);
    expect(xWeightedLength(reply?.text ?? '')).toBeLessThanOrEqual(280);
    expect(fake.requests.at(-1)?.body).toMatchObject({ reply: { in_reply_to_tweet_id: first.remoteId } });
  });

  it('labels the correction of an English article "Update: "', async () => {
    const article = { language: 'en', title: 'Ha Giang signs a communication agreement with VTV4' };
    const first = await publish(ctx({ article }));

    const outcome = await publish(
      ctx({
        delivery: { version: 2, supersedes: { version: 1, remoteId: first.remoteId } },
        article: { ...article, version: 2, summary: 'Corrected figures.' },
      }),
    );

    expect(fake.posts.get(outcome.remoteId ?? '')?.text.startsWith(`Update: ${article.title}`)).toBe(true);
  });

  it('posts the correction on its own when the partner deleted the post it corrects', async () => {
    const first = await publish(ctx());
    fake.posts.delete(first.remoteId ?? '');

    const outcome = await publish(
      ctx({ delivery: { version: 2, supersedes: { version: 1, remoteId: first.remoteId } } }),
    );

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 201 });
    const post = fake.posts.get(outcome.remoteId ?? '');
    expect(post?.inReplyTo).toBeUndefined();
    expect(post?.text.startsWith('Cập nhật: ')).toBe(true);
    expect(fake.requests.map((r) => r.body && 'reply' in (r.body as object))).toEqual([false, true, false]);
  });

  it("fails with X's parameter message when X refuses the request as invalid (400)", async () => {
    const outcome = await publish(
      ctx({ delivery: { version: 2, supersedes: { version: 1, remoteId: 'not-an-id' } } }),
    );

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 400,
      error:
        'X 400 One or more parameters to your request was invalid.: The `reply.in_reply_to_tweet_id` query parameter value is not valid.',
    });
  });

  it('posts the new version on its own when the superseded post id is unknown', async () => {
    const outcome = await publish(ctx({ delivery: { version: 2, supersedes: { version: 1 } } }));

    expect(outcome.verdict).toBe('delivered');
    expect(fake.posts.get(outcome.remoteId ?? '')?.inReplyTo).toBeUndefined();
    expect(fake.requests[0]?.body).not.toHaveProperty('reply');
  });
});

describe('XAdapter takedowns', () => {
  async function postAndCorrect(): Promise<string[]> {
    const first = await publish(ctx());
    const second = await publish(
      ctx({ delivery: { version: 2, supersedes: { version: 1, remoteId: first.remoteId } } }),
    );
    return [first.remoteId ?? '', second.remoteId ?? ''];
  }

  it('deletes every post of the article, newest first', async () => {
    const ids = await postAndCorrect();
    const c = ctx({ delivery: { kind: 'withdrawal', takedown: { remoteIds: ids } } });

    const outcome = await takedown(c);

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 200 });
    expect(fake.deleted).toEqual([ids[1], ids[0]]);
    expect(fake.posts.size).toBe(0);
    const deletes = fake.requests.filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.path)).toEqual([`/2/tweets/${ids[1]}`, `/2/tweets/${ids[0]}`]);
    expect(deletes[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('counts a post already deleted (404) as done', async () => {
    const ids = await postAndCorrect();
    fake.posts.delete(ids[0] ?? '');

    const outcome = await takedown(ctx({ delivery: { kind: 'withdrawal', takedown: { remoteIds: ids } } }));

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 404 });
    expect(fake.deleted).toEqual([ids[1]]);
  });

  it('stops at the first failed delete, and a retry deletes again what is left', async () => {
    const ids = await postAndCorrect();
    const c = ctx({ delivery: { kind: 'withdrawal', takedown: { remoteIds: ids } } });
    fake.script({ pass: true }, { status: 500 });

    const outcome = await takedown(c);

    expect(outcome).toMatchObject({
      verdict: 'retry',
      httpStatus: 500,
      error: `X 500 Service Unavailable (delete ${ids[0]})`,
    });
    expect(fake.deleted).toEqual([ids[1]]);
    expect([...fake.posts.keys()]).toEqual([ids[0]]);

    // The retry deletes both again: the reply is already gone (404, done), then the post.
    const retried = await takedown(c);
    expect(retried).toMatchObject({ verdict: 'delivered', httpStatus: 200 });
    expect(fake.deleted).toEqual([ids[1], ids[0]]);
    expect(fake.posts.size).toBe(0);
  });

  it('stops at a failure on the first delete, leaving every post for the retry', async () => {
    const ids = await postAndCorrect();
    fake.script({ status: 503 });

    const outcome = await takedown(ctx({ delivery: { kind: 'withdrawal', takedown: { remoteIds: ids } } }));

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 503 });
    expect(fake.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(fake.posts.size).toBe(2);
  });

  it('refuses a takedown with no post id before any request, discarding it', async () => {
    await expect(
      adapter.undo(ctx({ delivery: { kind: 'withdrawal', takedown: { remoteIds: [] } } })),
    ).rejects.toMatchObject({ name: 'ChannelRefusal', discard: true });
    expect(fake.requests).toEqual([]);
  });

  it('fails a delete X refuses (401), naming the post', async () => {
    const ids = await postAndCorrect();

    const outcome = await takedown(
      ctx({
        delivery: { kind: 'withdrawal', takedown: { remoteIds: ids } },
        channel: { credentialsRef: 'x-wrong' },
      }),
    );

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 401,
      error: `X 401 unauthorized: token invalid or expired (delete ${ids[1]})`,
    });
  });
});

describe('the fake X', () => {
  it('refuses a text over 280 weighted characters as X does', async () => {
    const text = `${'ệ'.repeat(140)}a`;
    const result = await http.request({
      method: 'POST',
      url: `${fake.baseUrl}/2/tweets`,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      timeoutMs: 2_000,
      readBody: true,
    });

    expect(result).toMatchObject({ kind: 'response', status: 403 });
    expect(result.kind === 'response' && JSON.parse(result.body ?? '{}').detail).toMatch(/too long/);
    expect(result.kind === 'response' && result.headers['x-rate-limit-remaining']).toMatch(/^\d+$/);
  });
});
