/**
 * serveFeed's cheap path: a repeat of a URL whose page was rendered moments ago is answered at once
 * (no promise), and only after the constant-time compare of its `sig` and the expiry check; anything
 * else goes through the full check.
 */
import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { Deps } from '#app/deps.ts';
import { FeedCache, pageKey, type RenderedFeed } from '#app/feed-cache.ts';
import { serveFeed } from '#app/serve-feed.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SIG = 'YrIqY3KF51yKcATOZg4WorYPk2G_IdEAIEI-aL4uXUo';
const OTHER = 'YrIqY3KF51yKcATOZg4WorYPk2G_IdEAIEI-aL4uXUE';
const PATH = '/feeds/vtv4.rss';
const query = (sig: string) => `expires=1800000000&kid=k1&sig=${sig}`;

function setup(nowMs: number) {
  const clock = { ms: nowMs };
  const deps = { clock: { now: () => new Date(clock.ms) } } as unknown as Deps;
  const cache = new FeedCache({ ttlMs: 5_000, now: () => clock.ms });
  const page = {
    etag: '"e"',
    lastModified: new Date('2025-06-01T08:00:00Z'),
    urlExpiresAt: 1_800_000_000_000,
    sig: Buffer.from(SIG, 'utf8'),
  } as RenderedFeed;
  cache.pages.set(pageKey('GET', PATH, query(SIG))?.key ?? '', page);
  return { deps, cache, clock, page };
}

describe('serveFeed from a page rendered moments ago', () => {
  it('answers a repeat at once, after comparing its sig in constant time', () => {
    const { deps, cache, page } = setup(1_700_000_000_000);
    vi.mocked(crypto.timingSafeEqual).mockClear();

    const answer = serveFeed(deps, cache, {
      method: 'GET',
      path: PATH,
      rawQuery: query(SIG),
      ifNoneMatch: '"e"',
    });

    expect(answer).toEqual({ kind: 'not-modified', feed: page });
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(1);
  });

  it('sends another sig, or the same URL once expired, through the full check', async () => {
    const { deps, cache, clock } = setup(1_700_000_000_000);
    const forged = serveFeed(deps, cache, { method: 'GET', path: PATH, rawQuery: query(OTHER) });
    clock.ms = 1_800_000_000_001;
    const expired = serveFeed(deps, cache, { method: 'GET', path: PATH, rawQuery: query(SIG) });

    expect(forged).toBeInstanceOf(Promise);
    expect(expired).toBeInstanceOf(Promise);
    // These deps hold a clock and nothing else: the full check cannot get far, and must not answer 304.
    for (const answer of [forged, expired]) {
      const settled = await Promise.resolve(answer).then(
        (a) => a.kind,
        () => 'failed',
      );
      expect(settled).not.toBe('not-modified');
    }
  });
});
