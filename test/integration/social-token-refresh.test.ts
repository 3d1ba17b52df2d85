import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeHttpClient } from '#adapters/channels/node-http-client.ts';
import { authBaseOf } from '#adapters/channels/social/token-session.ts';
import { XAdapter } from '#adapters/channels/social/x.ts';
import { ZaloAdapter } from '#adapters/channels/social/zalo.ts';
import type { Delivery } from '#domain/delivery.ts';
import { toNinjs } from '#formats/ninjs.ts';
import { type FakeX, startFakeX } from '#infra/local/fakes/x.ts';
import { type FakeZalo, startFakeZalo } from '#infra/local/fakes/zalo.ts';
import type { ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { SocialCredentials, SocialNetwork } from '#schemas/agreement.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { publishWith, undoWith } from '#test/support/channel-attempt.ts';

type SocialChannel = ChannelOf<'social'>;

const REF = 'loa/agreements/vtv4-hagiang/channels/social/credentials';
const X_CLIENT = { clientId: 'eDZ2b1VfX0xvYS1jbGllbnQtaWQ', clientSecret: 'x-client-secret-Qm9sZCBzZWNyZXQ' };
const X_OLD = { accessToken: 'x-expired-user-token-0001', refreshToken: 'x-refresh-token-first-0001' };
const ZALO_APP = { appId: '4291763606161179100', secretKey: 'zalo-app-secret-key-Kq9Wm2' };
const ZALO_OLD = { accessToken: 'zalo-expired-oa-token-0001', refreshToken: 'zalo-refresh-single-use-0001' };

/**
 * Reads as SecretsManagerStore does: through a cache that only a fresh read skips. `values` is what
 * is stored (another worker's write lands there, not in this worker's cache).
 */
class CachingSecrets implements SecretStore {
  readonly values = new Map<string, string>();
  readonly #cache = new Map<string, string>();
  /** Every value ever written or seeded, to check that none reached an outcome. */
  readonly history = new Set<string>();
  freshReads = 0;
  /** Called before a fresh read (1 for the first), e.g. to land a concurrent worker's write. */
  beforeFreshRead: ((n: number) => void) | undefined;

  async get(ref: string, options: { fresh?: boolean } = {}): Promise<string | undefined> {
    if (options.fresh) {
      this.freshReads++;
      this.beforeFreshRead?.(this.freshReads);
    } else if (this.#cache.has(ref)) {
      return this.#cache.get(ref);
    }
    const value = this.values.get(ref);
    if (value !== undefined) this.#cache.set(ref, value);
    return value;
  }

  async put(ref: string, value: string): Promise<void> {
    this.store(ref, value);
    this.#cache.delete(ref);
  }

  /** Another process's write: stored, while this worker's cache keeps what it read. */
  store(ref: string, value: string): void {
    this.values.set(ref, value);
    this.history.add(value);
  }

  credentials(ref = REF): SocialCredentials {
    return JSON.parse(this.values.get(ref) ?? '{}') as SocialCredentials;
  }
}

const http = new NodeHttpClient({ allowPrivateTargets: true });
let secrets: CachingSecrets;
/** Every outcome of this file, checked at the end for every secret value any test used. */
const outcomes: ChannelOutcome[] = [];
const secretValues = new Set<string>([
  X_CLIENT.clientSecret,
  ZALO_APP.secretKey,
  ...Object.values(X_OLD),
  ...Object.values(ZALO_OLD),
]);

beforeEach(() => {
  secrets = new CachingSecrets();
});
afterEach(() => {
  for (const value of secrets.history) {
    const c = JSON.parse(value) as SocialCredentials;
    for (const v of [c.accessToken, c.refreshToken, c.clientSecret]) if (v) secretValues.add(v);
  }
});
afterAll(() => {
  http.close();
  expect(outcomes.length).toBeGreaterThan(10);
  const all = JSON.stringify(outcomes);
  for (const value of secretValues) expect(all).not.toContain(value);
});

function ctxOf(
  channel: SocialChannel,
  delivery: Partial<Delivery> = {},
  timeoutMs = 2_000,
): SendContext<SocialChannel> {
  return {
    delivery: deliveryFixture({ channelId: 'social', channelType: 'social', ...delivery }),
    agreement: agreementFixture({ channels: [channel] }),
    channel,
    manifest: toNinjs(articleFixture({ canonicalUrl: 'https://hagiang.gov.vn/tin-tuc/ky-ket-vtv4' }), [], {
      assetHref: () => '',
    }),
    now: new Date(),
    timeoutMs,
  };
}

/** The channel of `network` on a fake's base URL, its credentials at REF. */
function channelOn(
  network: SocialNetwork,
  baseUrl: string,
  more: Partial<SocialChannel> = {},
): SocialChannel {
  return { channelId: 'social', type: 'social', network, baseUrl, credentialsRef: REF, ...more };
}

function seed(credentials: SocialCredentials): void {
  secrets.store(REF, JSON.stringify(credentials));
}

/** A token endpoint request made directly, as a second worker would with a spent refresh token. */
async function postForm(url: string, headers: Record<string, string>, form: Record<string, string>) {
  const result = await http.request({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    timeoutMs: 2_000,
    readBody: true,
  });
  return result.kind === 'response'
    ? { status: result.status, json: JSON.parse(result.body ?? '{}') }
    : result;
}

describe('X token refresh', () => {
  let fake: FakeX;
  let adapter: XAdapter;

  beforeEach(async () => {
    adapter = new XAdapter({ http, secrets });
    fake = await startFakeX({
      accessTokens: [],
      client: { clientId: X_CLIENT.clientId },
      refreshTokens: [X_OLD.refreshToken],
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  const channel = () => channelOn('x', fake.baseUrl);

  async function publish(c = ctxOf(channel())): Promise<ChannelOutcome> {
    const outcome = await publishWith(adapter, c);
    outcomes.push(outcome);
    return outcome;
  }

  const paths = () => fake.requests.map((r) => `${r.method} ${r.path}`);

  it('renews an expired token and posts in the same attempt, storing the rotated tokens', async () => {
    seed({ ...X_OLD, clientId: X_CLIENT.clientId });

    const outcome = await publish();

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 201 });
    expect(fake.posts.has(outcome.remoteId ?? '')).toBe(true);
    expect(paths()).toEqual(['POST /2/tweets', 'POST /2/oauth2/token', 'POST /2/tweets']);
    const refresh = fake.requests[1];
    expect(refresh?.body).toEqual({
      grant_type: 'refresh_token',
      refresh_token: X_OLD.refreshToken,
      client_id: X_CLIENT.clientId,
    });
    // A public client: no client authentication header.
    expect(refresh?.headers.authorization).toBeUndefined();
    const stored = secrets.credentials();
    expect(stored.clientId).toBe(X_CLIENT.clientId);
    expect(stored.accessToken).not.toBe(X_OLD.accessToken);
    expect(stored.refreshToken).not.toBe(X_OLD.refreshToken);
    expect(fake.accessTokens.has(stored.accessToken)).toBe(true);
    expect(fake.refreshTokens).toEqual(new Set([stored.refreshToken]));
    expect(fake.requests[2]?.headers.authorization).toBe(`Bearer ${stored.accessToken}`);
    // X rotated the refresh token: the old one is spent.
    const reuse = await postForm(
      `${fake.baseUrl}/2/oauth2/token`,
      {},
      { grant_type: 'refresh_token', refresh_token: X_OLD.refreshToken, client_id: X_CLIENT.clientId },
    );
    expect(reuse).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
  });

  it('sends the client id and secret as HTTP Basic auth for a confidential client', async () => {
    await fake.close();
    fake = await startFakeX({ accessTokens: [], client: X_CLIENT, refreshTokens: [X_OLD.refreshToken] });
    seed({ ...X_OLD, ...X_CLIENT });

    const outcome = await publish();

    expect(outcome.verdict).toBe('delivered');
    const basic = Buffer.from(`${X_CLIENT.clientId}:${X_CLIENT.clientSecret}`).toString('base64');
    expect(fake.requests[1]?.headers.authorization).toBe(`Basic ${basic}`);
    expect(fake.requests[1]?.body).toMatchObject({ client_id: X_CLIENT.clientId });
    expect(secrets.credentials().clientSecret).toBe(X_CLIENT.clientSecret);
  });

  it('uses the token another worker already stored instead of refreshing again', async () => {
    seed({ ...X_OLD, clientId: X_CLIENT.clientId });
    await secrets.get(REF); // this worker's cache now holds the expired token
    const renewed = {
      ...X_OLD,
      accessToken: 'x-token-another-worker-stored',
      refreshToken: 'x-refresh-rotated-0002',
    };
    fake.accessTokens.add(renewed.accessToken);
    secrets.store(REF, JSON.stringify({ ...renewed, clientId: X_CLIENT.clientId }));

    const outcome = await publish();

    expect(outcome.verdict).toBe('delivered');
    expect(paths()).toEqual(['POST /2/tweets', 'POST /2/tweets']);
    expect(fake.requests[1]?.headers.authorization).toBe(`Bearer ${renewed.accessToken}`);
    expect(secrets.freshReads).toBe(1);
  });

  it('fails with X’s reason when the refresh is refused, leaving the stored credentials as they were', async () => {
    seed({ ...X_OLD, refreshToken: 'x-refresh-revoked-by-the-user', clientId: X_CLIENT.clientId });
    const before = secrets.values.get(REF);

    const outcome = await publish();

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 400,
      error: 'X token expired and refresh refused: invalid_request Value passed for the token was invalid.',
    });
    expect(secrets.values.get(REF)).toBe(before);
    expect(fake.posts.size).toBe(0);
    // Read again before refreshing, and once more after the refusal.
    expect(secrets.freshReads).toBe(2);
  });

  it('uses the token a concurrent worker stored while its own refresh was refused', async () => {
    seed({ ...X_OLD, clientId: X_CLIENT.clientId });
    const winner = {
      accessToken: 'x-token-the-other-worker-won',
      refreshToken: 'x-refresh-the-other-worker',
    };
    secrets.beforeFreshRead = (n) => {
      // The other worker spends the refresh token just before this one, and stores what it got
      // while this one's refresh is being refused.
      if (n === 1) {
        fake.refreshTokens.clear();
        fake.accessTokens.add(winner.accessToken);
      }
      if (n === 2) secrets.store(REF, JSON.stringify({ ...winner, clientId: X_CLIENT.clientId }));
    };

    const outcome = await publish();

    expect(outcome.verdict).toBe('delivered');
    expect(paths()).toEqual(['POST /2/tweets', 'POST /2/oauth2/token', 'POST /2/tweets']);
    expect(fake.requests[2]?.headers.authorization).toBe(`Bearer ${winner.accessToken}`);
  });

  it('retries when the token endpoint answers 503, without posting', async () => {
    seed({ ...X_OLD, clientId: X_CLIENT.clientId });
    const before = secrets.values.get(REF);
    fake.script({ pass: true }, { status: 503 });

    const outcome = await publish();

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 503, error: 'X token refresh: HTTP 503' });
    expect(paths()).toEqual(['POST /2/tweets', 'POST /2/oauth2/token']);
    expect(secrets.values.get(REF)).toBe(before);
    // The refresh token was not spent: the next attempt renews and posts.
    expect((await publish()).verdict).toBe('delivered');
  });

  it('retries, as no answer, when the token endpoint does not answer in time', async () => {
    seed({ ...X_OLD, clientId: X_CLIENT.clientId });
    fake.script({ pass: true }, { hang: true });

    const outcome = await publish(ctxOf(channel(), {}, 300));

    expect(outcome).toMatchObject({ verdict: 'retry', error: 'X token refresh: timeout', noAnswer: true });
  });

  it('fails as before when the credentials hold no refresh token', async () => {
    seed({ accessToken: X_OLD.accessToken });

    const outcome = await publish();

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 401,
      error: 'X 401 unauthorized: token invalid or expired',
    });
    expect(paths()).toEqual(['POST /2/tweets']);
  });

  it('renews an expired token during a takedown and deletes every post', async () => {
    const token = 'x-valid-token-for-the-posts-0001';
    fake.accessTokens.add(token);
    seed({ accessToken: token, refreshToken: X_OLD.refreshToken, clientId: X_CLIENT.clientId });
    const first = await publish();
    const second = await publish(
      ctxOf(channel(), { version: 2, supersedes: { version: 1, remoteId: first.remoteId } }),
    );
    fake.expire(token);
    fake.requests.length = 0;

    const outcome = await undoWith(
      adapter,
      ctxOf(channel(), {
        kind: 'withdrawal',
        takedown: { remoteIds: [first.remoteId ?? '', second.remoteId ?? ''] },
      }),
    );
    outcomes.push(outcome);

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 200 });
    expect(paths()).toEqual([
      `DELETE /2/tweets/${second.remoteId}`,
      'POST /2/oauth2/token',
      `DELETE /2/tweets/${second.remoteId}`,
      `DELETE /2/tweets/${first.remoteId}`,
    ]);
    expect(fake.posts.size).toBe(0);
  });

  it('refreshes at the channel’s own token endpoint when one is set', async () => {
    const auth = await startFakeX({
      accessTokens: [],
      client: { clientId: X_CLIENT.clientId },
      refreshTokens: [X_OLD.refreshToken],
    });
    try {
      seed({ ...X_OLD, clientId: X_CLIENT.clientId });

      const outcome = await publish(ctxOf({ ...channel(), authBaseUrl: `${auth.baseUrl}/` }));

      // The fake API does not know the token the other server issued: what matters is where it asked.
      expect(auth.requests.map((r) => r.path)).toEqual(['/2/oauth2/token']);
      expect(paths()).toEqual(['POST /2/tweets', 'POST /2/tweets']);
      expect(outcome).toMatchObject({ verdict: 'failed', httpStatus: 401 });
    } finally {
      await auth.close();
    }
  });
});

describe('Zalo token refresh', () => {
  let fake: FakeZalo;
  let adapter: ZaloAdapter;

  beforeEach(async () => {
    adapter = new ZaloAdapter({ http, secrets });
    fake = await startFakeZalo({
      accessToken: 'zalo-oa-token-nobody-holds-000',
      refreshToken: ZALO_OLD.refreshToken,
      app: ZALO_APP,
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  const channel = () => channelOn('zalo', fake.baseUrl, { authBaseUrl: fake.baseUrl });
  const stored = { ...ZALO_OLD, clientId: ZALO_APP.appId, clientSecret: ZALO_APP.secretKey };

  async function publish(c = ctxOf(channel())): Promise<ChannelOutcome> {
    const outcome = await publishWith(adapter, c);
    outcomes.push(outcome);
    return outcome;
  }

  const paths = () => fake.requests.map((r) => r.path);

  it('renews an expired OA token and publishes in the same attempt, storing the new pair', async () => {
    seed(stored);

    const outcome = await publish();

    expect(outcome).toMatchObject({ verdict: 'delivered', httpStatus: 200 });
    expect(fake.articles.has(outcome.remoteId ?? '')).toBe(true);
    expect(paths()).toEqual([
      '/v2.0/article/create',
      '/v4/oa/access_token',
      '/v2.0/article/create',
      '/v2.0/article/verify',
    ]);
    const refresh = fake.requests[1];
    expect(refresh?.headers.secret_key).toBe(ZALO_APP.secretKey);
    expect(refresh?.form).toEqual({
      refresh_token: ZALO_OLD.refreshToken,
      app_id: ZALO_APP.appId,
      grant_type: 'refresh_token',
    });
    const now = secrets.credentials();
    expect(now).toMatchObject({ clientId: ZALO_APP.appId, clientSecret: ZALO_APP.secretKey });
    expect(now.accessToken).not.toBe(ZALO_OLD.accessToken);
    expect(fake.refreshTokens).toEqual(new Set([now.refreshToken]));
    expect(fake.requests[2]?.headers.access_token).toBe(now.accessToken);
    expect(fake.requests[3]?.headers.access_token).toBe(now.accessToken);
    // Zalo refresh tokens are single use: the old one is refused now.
    const reuse = await postForm(
      `${fake.baseUrl}/v4/oa/access_token`,
      { secret_key: ZALO_APP.secretKey },
      { refresh_token: ZALO_OLD.refreshToken, app_id: ZALO_APP.appId, grant_type: 'refresh_token' },
    );
    expect(reuse).toMatchObject({ status: 200, json: { error: -14014 } });
  });

  it('renews a token refused between the create and its verify, and verifies with the new one', async () => {
    fake.accessTokens.add(ZALO_OLD.accessToken);
    seed(stored);
    fake.fail({ kind: 'pass' }, { kind: 'error', error: -216, message: 'Access token is invalid' });

    const outcome = await publish();

    expect(outcome.verdict).toBe('delivered');
    expect(paths()).toEqual([
      '/v2.0/article/create',
      '/v2.0/article/verify',
      '/v4/oa/access_token',
      '/v2.0/article/verify',
    ]);
    expect(fake.articles.size).toBe(1);
  });

  it('uses the token another worker already stored instead of spending a refresh token', async () => {
    seed(stored);
    await secrets.get(REF);
    const renewed = {
      ...stored,
      accessToken: 'zalo-oa-token-another-worker',
      refreshToken: 'zalo-refresh-0002',
    };
    fake.accessTokens.add(renewed.accessToken);
    secrets.store(REF, JSON.stringify(renewed));

    const outcome = await publish();

    expect(outcome.verdict).toBe('delivered');
    expect(paths()).toEqual(['/v2.0/article/create', '/v2.0/article/create', '/v2.0/article/verify']);
    expect(fake.refreshTokens.has(ZALO_OLD.refreshToken)).toBe(true);
  });

  it('fails with Zalo’s code and reason when the refresh token is refused, leaving the secret as it was', async () => {
    fake.refreshTokens.clear();
    seed(stored);
    const before = secrets.values.get(REF);

    const outcome = await publish();

    expect(outcome).toMatchObject({
      verdict: 'failed',
      error: 'Zalo token expired and refresh refused: -14014 Refresh token is invalid or expired (create)',
    });
    expect(secrets.values.get(REF)).toBe(before);
    expect(paths()).toEqual(['/v2.0/article/create', '/v4/oa/access_token']);
  });

  it('fails naming the app when the secret key is wrong', async () => {
    seed({ ...stored, clientSecret: 'not-the-app-secret-key' });

    const outcome = await publish();

    expect(outcome.verdict).toBe('failed');
    expect(outcome.error).toMatch(
      /^Zalo token expired and refresh refused: -14002 App is invalid \(create\)$/,
    );
    expect(fake.refreshTokens.has(ZALO_OLD.refreshToken)).toBe(true);
  });

  it('retries when the OAuth host answers 503', async () => {
    seed(stored);
    fake.fail({ kind: 'pass' }, { kind: 'server-error', status: 503 });

    const outcome = await publish();

    expect(outcome).toMatchObject({
      verdict: 'retry',
      httpStatus: 503,
      error: 'Zalo token refresh: HTTP 503 (create)',
    });
    expect(secrets.credentials()).toEqual(stored);
  });

  it('fails as before when the credentials hold no refresh token', async () => {
    seed({ accessToken: ZALO_OLD.accessToken });

    expect(await publish()).toMatchObject({
      verdict: 'failed',
      error: 'Zalo -216 access token invalid or expired (create)',
    });
    expect(paths()).toEqual(['/v2.0/article/create']);
  });

  it('fails saying what is missing when the credentials have no secret key', async () => {
    seed({ ...ZALO_OLD, clientId: ZALO_APP.appId });

    expect(await publish()).toMatchObject({
      verdict: 'failed',
      error:
        'Zalo token expired and cannot be refreshed: the credentials have no clientSecret (the app secret key) (create)',
    });
    expect(paths()).toEqual(['/v2.0/article/create']);
  });

  it('renews an expired token during a takedown', async () => {
    const token = 'zalo-oa-token-valid-for-create';
    fake.accessTokens.add(token);
    seed({ ...stored, accessToken: token });
    const first = await publish();
    fake.expire(token);
    fake.requests.length = 0;

    const outcome = await undoWith(
      adapter,
      ctxOf(channel(), { kind: 'withdrawal', takedown: { remoteIds: [first.remoteId ?? ''] } }),
    );
    outcomes.push(outcome);

    expect(outcome).toMatchObject({ verdict: 'delivered' });
    expect(paths()).toEqual(['/v2.0/article/remove', '/v4/oa/access_token', '/v2.0/article/remove']);
    expect(fake.articles.size).toBe(0);
  });
});

describe('where the token endpoint is', () => {
  const base = (network: SocialNetwork, authBaseUrl?: string): SocialChannel => ({
    channelId: 'social',
    type: 'social',
    network,
    baseUrl: 'https://api.example.vn/',
    credentialsRef: REF,
    ...(authBaseUrl && { authBaseUrl }),
  });

  it('is X’s API host, Zalo’s OAuth host, or the channel’s own', () => {
    expect(authBaseOf(base('x'))).toBe('https://api.example.vn');
    expect(authBaseOf(base('zalo'))).toBe('https://oauth.zaloapp.com');
    expect(authBaseOf(base('zalo', 'http://127.0.0.1:8899/'))).toBe('http://127.0.0.1:8899');
  });
});
