import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '#domain/errors.ts';
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
    const material = await h.loa.deps.secrets.get(`loa/agreements/vtv4/feed-keys/${added.json.kid}`);

    expect(material).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(added.text).not.toContain(material);
    expect(agreement.text).not.toContain(material);
  });

  it('retires a key with DELETE, keeping it listed with retiredAt', async () => {
    const res = await h.loa.ops('DELETE', '/ops/agreements/vtv4/feed-keys/k1');

    expect(res.status).toBe(200);
    expect(res.json.feedKeys[0]).toEqual({
      kid: 'k1',
      createdAt: expect.any(String),
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
