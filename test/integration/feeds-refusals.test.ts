import * as crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { feedKeyOf, feedPath, signedUrl } from '#app/feed-keys.ts';
import { type FeedHarness, startFeedHarness } from '#test/support/feed-harness.ts';

// Passes through to the real function, so the tests can see how signatures are compared.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

let h: FeedHarness;
const DAY = 86_400;

const nowSeconds = () => Math.floor(h.clock.now().getTime() / 1000);
const keyOf = async (agreementId: string, kid = 'k1') =>
  (await feedKeyOf(h.loa.deps.secrets, await h.loa.deps.agreements.get(agreementId), agreementId, kid)) ?? '';

/** A feed URL for `agreementId` signed with any key, as an attacker or a careless partner might hold. */
function url(
  agreementId: string,
  key: string,
  opts: { kid?: string; expires?: number; format?: string } = {},
) {
  const path = feedPath(agreementId, (opts.format ?? 'rss') as 'rss');
  return signedUrl(h.loa.baseUrl, path, key, opts.kid ?? 'k1', opts.expires ?? nowSeconds() + DAY);
}

/** A refusal: 403, an RFC 9457 problem whose detail is the short reason, no feed in it, not cached. */
async function refusal(target: string) {
  const res = await h.get(target);
  expect(res.status, `${target} → ${res.body}`).toBe(403);
  expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  expect(res.body).not.toMatch(/<rss|<feed|"items"|Hà Giang/);
  const problem = JSON.parse(res.body) as { status: number; title: string; detail: string };
  expect(problem).toMatchObject({ status: 403, title: 'Forbidden' });
  expect(problem.detail).toMatch(/^[^\n]+$/);
  return problem.detail;
}

beforeAll(async () => {
  h = await startFeedHarness('2025-06-01T08:00:00.000Z');
  await h.agreement('vtv4');
  await h.agreement('other-partner');
  await h.approve('le-ky-ket', { topics: ['culture-tourism'] });
  h.clock.advance(60_000);
});

afterAll(async () => {
  await h?.close();
});

describe('signed feed URLs: what is refused', () => {
  it('serves the feed to a URL signed as issued (the baseline the refusals differ from)', async () => {
    const res = await h.get(url('vtv4', await keyOf('vtv4')));

    expect(res.status).toBe(200);
    expect(res.body).toContain('<rss');
  });

  it('refuses an expired URL', async () => {
    const target = url('vtv4', await keyOf('vtv4'), { expires: nowSeconds() - 1 });

    expect(await refusal(target)).toBe('expired');
  });

  it('refuses a URL with any byte of its path or query changed', async () => {
    const good = url('vtv4', await keyOf('vtv4'));
    const start = good.indexOf('/feeds/') + '/feeds/'.length;
    const swap = (c: string) =>
      /[a-y]|[A-Y]|[0-8]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 1) : /[zZ9]/.test(c) ? 'a' : 'x';

    const bodies = new Set<string>();
    for (let i = start; i < good.length; i++) {
      const tampered = `${good.slice(0, i)}${swap(good[i] ?? '')}${good.slice(i + 1)}`;
      bodies.add(await refusal(tampered));
    }

    expect([...bodies].sort()).toEqual(['invalid signature', 'missing or malformed signature']);
  });

  it('refuses the same values spelled another way, and parameters nobody signed', async () => {
    const good = url('vtv4', await keyOf('vtv4'));
    const expires = /expires=(\d+)/.exec(good)?.[1] ?? '';

    expect(await refusal(good.replace(`expires=${expires}`, `expires=0${expires}`))).toBe(
      'missing or malformed signature',
    );
    expect(await refusal(good.replace('kid=k1', 'kid=%6B1'))).toBe('missing or malformed signature');
    expect(await refusal(`${good}&kid=k1`)).toBe('missing or malformed signature');
    expect(await refusal(`${good}&utm_source=x`)).toBe('missing or malformed signature');
  });

  it('refuses a URL without its signature', async () => {
    expect(await refusal(`${h.loa.baseUrl}/feeds/vtv4.rss`)).toBe('missing or malformed signature');
  });

  it('refuses an unknown kid', async () => {
    expect(await refusal(url('vtv4', await keyOf('vtv4'), { kid: 'k9' }))).toBe('invalid signature');
  });

  it('refuses a retired kid, which worked until it was retired', async () => {
    await h.agreement('rotating');
    const old = url('rotating', await keyOf('rotating'));
    const before = await h.get(old);
    expect((await h.loa.ops('POST', '/ops/agreements/rotating/feed-keys')).status).toBe(201);

    const during = await h.get(old);
    expect((await h.loa.ops('DELETE', '/ops/agreements/rotating/feed-keys/k1')).status).toBe(200);
    h.clock.advance(10_000);

    expect([before.status, during.status]).toEqual([200, 200]);
    expect(await refusal(old)).toBe('invalid signature');
    expect((await h.get(await h.feedUrl('rotating', 'rss'))).status).toBe(200);
  });

  it("refuses a URL signed with another agreement's key", async () => {
    expect(await refusal(url('vtv4', await keyOf('other-partner')))).toBe('invalid signature');
  });

  it('refuses an unknown agreement with the same answer as a bad signature (no enumeration)', async () => {
    expect(await refusal(url('no-such-agreement', await keyOf('vtv4')))).toBe('invalid signature');
  });

  it('refuses a suspended agreement, even with a valid URL', async () => {
    await h.agreement('suspended');
    const target = url('suspended', await keyOf('suspended'));
    const agreement = await h.loa.deps.agreements.get('suspended');
    if (!agreement) throw new Error('agreement missing');
    await h.loa.deps.agreements.update({ ...agreement, status: 'suspended' }, agreement.updatedAt);
    h.clock.advance(10_000);

    expect(await refusal(target)).toBe('agreement suspended');
  });

  it('refuses an agreement whose term has ended, even with a valid URL', async () => {
    await h.agreement('ended', { validFrom: '2024-01-01', validTo: '2025-05-31' });

    expect(await refusal(url('ended', await keyOf('ended')))).toBe('agreement expired');
  });

  it('compares signatures in constant time, as equal-length buffers', async () => {
    const good = url('vtv4', await keyOf('vtv4'));
    const sig = /sig=([A-Za-z0-9_-]+)/.exec(good)?.[1] ?? '';
    // Another valid last character: only the signature differs, by one character.
    const wrong = good.replace(`sig=${sig}`, `sig=${sig.slice(0, -1)}${sig.endsWith('A') ? 'E' : 'A'}`);
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();

    expect(await refusal(wrong)).toBe('invalid signature');

    expect(compare).toHaveBeenCalledTimes(1);
    const [a, b] = compare.mock.calls[0] ?? [];
    expect(Buffer.isBuffer(a) && Buffer.isBuffer(b)).toBe(true);
    expect((a as Buffer).length).toBe(43);
    expect((b as Buffer).length).toBe(43);
  });
});

describe('a page rendered moments ago (the cheap 304 path)', () => {
  it('answers a repeat of its URL 304 after a constant-time signature compare', async () => {
    const good = url('vtv4', await keyOf('vtv4'));
    const first = await h.get(good);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    vi.mocked(crypto.timingSafeEqual).mockClear();

    const repeat = await h.get(good, { 'if-none-match': etag });

    expect(repeat.status).toBe(304);
    expect(crypto.timingSafeEqual).toHaveBeenCalled();
  });

  it('never answers 304 to the same URL with another signature, even with the current ETag', async () => {
    const expires = nowSeconds() + DAY;
    const good = url('vtv4', await keyOf('vtv4'), { expires });
    const first = await h.get(good);
    const etag = first.headers.get('etag') ?? '';
    // The same path, expiry and kid, signed with another agreement's key: only `sig` differs.
    const forged = url('vtv4', await keyOf('other-partner'), { expires });
    expect(forged).not.toBe(good);

    const res = await h.get(forged, { 'if-none-match': etag });

    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ detail: 'invalid signature' });
  });

  it('never answers 304 once the URL has expired, while its page is still cached', async () => {
    const good = url('vtv4', await keyOf('vtv4'), { expires: nowSeconds() + 2 });
    const first = await h.get(good);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag') ?? '';
    // Past the URL's expiry, within the page cache's 5 s.
    h.clock.advance(2_001);

    const res = await h.get(good, { 'if-none-match': etag });

    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ detail: 'expired' });
  });
});
