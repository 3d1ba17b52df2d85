import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedKeyOf } from '#app/feed-keys.ts';
import { ConflictError } from '#domain/errors.ts';
import { feedKeyRef } from '#domain/signed-links.ts';
import { deriveFeedKey, MASTER_FEED_KEY_REF, parseMasterKey } from '#domain/signing-keys.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { type FeedHarness, startFeedHarness } from '#test/support/feed-harness.ts';

let h: FeedHarness;

beforeAll(async () => {
  h = await startFeedHarness('2025-06-01T08:00:00.000Z');
  await h.agreement('vtv4');
  await h.agreement('webhook-only', { channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }] });
  await h.agreement('term-over', { validFrom: '2024-01-01', validTo: '2025-05-31' });
  await h.agreement('on-hold', { status: 'suspended' });
});

afterAll(async () => {
  await h?.close();
});

describe('POST /ops/agreements/{id}/feed-url', () => {
  it('mints a signed URL for 7 days by default, with the current key', async () => {
    const res = await h.loa.ops('POST', '/ops/agreements/vtv4/feed-url', { format: 'atom' });

    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      url: expect.stringMatching(
        new RegExp(`^${h.loa.baseUrl}/feeds/vtv4\\.atom\\?expires=\\d+&kid=k1&sig=[A-Za-z0-9_-]{43}$`),
      ),
      expiresAt: '2025-06-08T08:00:00.000Z',
      kid: 'k1',
    });
    expect((await h.get(res.json.url)).status).toBe(200);
  });

  it('takes a shorter lifetime and refuses one over the cap', async () => {
    const short = await h.loa.ops('POST', '/ops/agreements/vtv4/feed-url', {
      format: 'json',
      ttlSeconds: 3600,
    });
    const long = await h.loa.ops('POST', '/ops/agreements/vtv4/feed-url', {
      format: 'json',
      ttlSeconds: 31 * 86_400,
    });

    expect(short.json.expiresAt).toBe('2025-06-01T09:00:00.000Z');
    expect(long.status).toBe(400);
    expect(long.json.error).toMatch(/ttlSeconds/);
  });

  it('refuses an unknown format, an unknown agreement, and an agreement without a feed', async () => {
    const format = await h.loa.ops('POST', '/ops/agreements/vtv4/feed-url', { format: 'xml' });
    const unknown = await h.loa.ops('POST', '/ops/agreements/nope/feed-url', { format: 'rss' });
    const noFeed = await h.loa.ops('POST', '/ops/agreements/webhook-only/feed-url', { format: 'rss' });

    expect([format.status, unknown.status, noFeed.status]).toEqual([400, 404, 409]);
    expect(noFeed.json.error).toBe('agreement webhook-only has no feed channel');
  });

  it('refuses, with the reason, a URL for an agreement whose term ended or that is suspended', async () => {
    const ended = await h.loa.ops('POST', '/ops/agreements/term-over/feed-url', { format: 'rss' });
    const suspended = await h.loa.ops('POST', '/ops/agreements/on-hold/feed-url', { format: 'rss' });

    expect([ended.status, suspended.status]).toEqual([409, 409]);
    expect(ended.json.error).toBe(
      'agreement term-over may not receive content: term-ended (its term ended 2025-05-31)',
    );
    expect(suspended.json.error).toBe('agreement on-hold may not receive content: agreement suspended');
  });
});

describe('feed key rotation', () => {
  it('adds a key that new URLs use, while URLs signed with the old key keep working', async () => {
    const old = await h.feedUrl('vtv4', 'rss');

    const added = await h.loa.ops('POST', '/ops/agreements/vtv4/feed-keys');
    const fresh = await h.feedUrl('vtv4', 'rss');

    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ kid: 'k2', createdAt: '2025-06-01T08:00:00.000Z' });
    expect(added.json.feedKeys.map((k: { kid: string }) => k.kid)).toEqual(['k1', 'k2']);
    expect(new URL(fresh).searchParams.get('kid')).toBe('k2');
    expect((await h.get(old)).status).toBe(200);
    expect((await h.get(fresh)).status).toBe(200);
  });

  it('never shows key material, in its answer or on the agreement', async () => {
    const added = await h.loa.ops('POST', '/ops/agreements/vtv4/feed-keys');
    const agreement = await h.loa.ops('GET', '/ops/agreements/vtv4');
    const material = await feedKeyOf(h.loa.deps.secrets, agreement.json, 'vtv4', added.json.kid);

    expect(material).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(added.text).not.toContain(material);
    expect(agreement.text).not.toContain(material);
  });

  it('derives an added key from the feed master key and stores no secret for it', async () => {
    const added = await h.loa.ops('POST', '/ops/agreements/vtv4/feed-keys');
    const kid = added.json.kid as string;
    const master = parseMasterKey((await h.loa.deps.secrets.get(MASTER_FEED_KEY_REF)) ?? '');

    expect(added.json.feedKeys.at(-1)).toEqual({
      kid,
      createdAt: added.json.createdAt,
      master: 1,
      source: 'feed-master',
    });
    expect(await h.loa.deps.secrets.get(feedKeyRef('vtv4', kid))).toBeUndefined();
    expect(await feedKeyOf(h.loa.deps.secrets, await h.loa.deps.agreements.get('vtv4'), 'vtv4', kid)).toBe(
      deriveFeedKey(master, { agreementId: 'vtv4', kid, master: 1 }),
    );
  });

  it('retires a key with DELETE, keeping it listed with retiredAt', async () => {
    const res = await h.loa.ops('DELETE', '/ops/agreements/vtv4/feed-keys/k1');

    expect(res.status).toBe(200);
    expect(res.json.feedKeys[0]).toEqual({
      kid: 'k1',
      createdAt: expect.any(String),
      master: 1,
      source: 'feed-master',
      retiredAt: '2025-06-01T08:00:00.000Z',
    });
  });

  it('refuses to retire the last key in use, and answers 404 for a kid it does not have', async () => {
    await h.agreement('single-key');

    const last = await h.loa.ops('DELETE', '/ops/agreements/single-key/feed-keys/k1');
    const unknown = await h.loa.ops('DELETE', '/ops/agreements/single-key/feed-keys/k7');

    expect(last.status).toBe(409);
    expect(last.json.error).toBe('k1 is the only key in use: add a new key before retiring it');
    expect(unknown.status).toBe(404);
  });

  it('never reuses a retired kid', async () => {
    await h.agreement('reuse');
    await h.loa.ops('POST', '/ops/agreements/reuse/feed-keys');
    await h.loa.ops('DELETE', '/ops/agreements/reuse/feed-keys/k2');

    const again = await h.loa.ops('POST', '/ops/agreements/reuse/feed-keys');

    expect(again.json.kid).toBe('k3');
  });

  it('writes the agreement only if nobody changed it since it was read', async () => {
    await h.agreement('race');
    const read = await h.loa.deps.agreements.get('race');
    if (!read) throw new Error('agreement missing');
    await h.loa.ops('POST', '/ops/agreements/race/feed-keys');

    const stale = h.loa.deps.agreements.update({ ...read, status: 'suspended' }, read.updatedAt);

    await expect(stale).rejects.toThrow(ConflictError);
  });
});

describe('agreements whose feed keys are stored (from before derived keys)', () => {
  it('keeps signing and serving with the stored key, derives the key added next, and refuses the stored one once retired', async () => {
    const legacy = agreementFixture({
      agreementId: 'legacy-feed',
      validFrom: '2024-01-01',
      validTo: '2099-12-31',
      channels: [{ channelId: 'feed', type: 'feed' }],
      feedKeys: [{ kid: 'k1', createdAt: '2024-01-01T00:00:00.000Z' }],
    });
    await h.loa.deps.secrets.put(
      feedKeyRef('legacy-feed', 'k1'),
      'c3RvcmVkLWZlZWQta2V5LW9mLWJlZm9yZS0zMi1ieXRlcw',
    );
    await h.loa.deps.agreements.create(legacy);

    const old = await h.feedUrl('legacy-feed', 'rss');
    const added = await h.loa.ops('POST', '/ops/agreements/legacy-feed/feed-keys');
    const fresh = await h.feedUrl('legacy-feed', 'rss');

    expect(new URL(old).searchParams.get('kid')).toBe('k1');
    expect((await h.get(old)).status).toBe(200);
    expect(added.json.feedKeys).toEqual([
      { kid: 'k1', createdAt: '2024-01-01T00:00:00.000Z' },
      { kid: 'k2', createdAt: added.json.createdAt, master: 1, source: 'feed-master' },
    ]);
    expect(new URL(fresh).searchParams.get('kid')).toBe('k2');
    expect((await h.get(fresh)).status).toBe(200);
    expect(await h.loa.deps.secrets.get(feedKeyRef('legacy-feed', 'k2'))).toBeUndefined();

    await h.loa.ops('DELETE', '/ops/agreements/legacy-feed/feed-keys/k1');
    h.clock.advance(10_000); // past the feed function's agreement cache

    expect((await h.get(old)).status).toBe(403);
    expect((await h.get(fresh)).status).toBe(200);
  });
});
