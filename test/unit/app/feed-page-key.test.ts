/** The feed page cache's key: the URL without its signature, so a repeat is told from a forgery by `sig` alone. */
import { describe, expect, it } from 'vitest';
import { pageKey } from '#app/feed-cache.ts';

const SIG = 'YrIqY3KF51yKcATOZg4WorYPk2G_IdEAIEI-aL4uXUo';

describe('pageKey', () => {
  it('keys a URL by method, path and the query without sig, wherever sig stands', () => {
    const last = pageKey('GET', '/feeds/a.rss', `expires=17&kid=k1&sig=${SIG}`);
    const first = pageKey('GET', '/feeds/a.rss', `sig=${SIG}&expires=17&kid=k1`);
    const middle = pageKey('GET', '/feeds/a.rss', `expires=17&sig=${SIG}&kid=k1`);

    expect(last).toEqual({ key: 'GET /feeds/a.rss?expires=17&kid=k1', sig: SIG });
    expect(first).toEqual(last);
    expect(middle).toEqual(last);
  });

  it('tells methods, paths and the other parameters apart', () => {
    const keys = [
      pageKey('GET', '/feeds/a.rss', `expires=17&kid=k1&sig=${SIG}`),
      pageKey('HEAD', '/feeds/a.rss', `expires=17&kid=k1&sig=${SIG}`),
      pageKey('GET', '/feeds/a.atom', `expires=17&kid=k1&sig=${SIG}`),
      pageKey('GET', '/feeds/a.rss', `expires=18&kid=k1&sig=${SIG}`),
      pageKey('GET', '/feeds/a.rss', `expires=17&kid=k1&limit=2&sig=${SIG}`),
    ].map((k) => k?.key);

    expect(new Set(keys).size).toBe(5);
  });

  it('has no key for a query without one sig of the issued length', () => {
    expect(pageKey('GET', '/feeds/a.rss', 'expires=17&kid=k1')).toBeUndefined();
    expect(pageKey('GET', '/feeds/a.rss', `expires=17&kid=k1&sig=${SIG}x`)).toBeUndefined();
    expect(pageKey('GET', '/feeds/a.rss', `sig=${SIG}&expires=17&sig=${SIG}`)).toBeUndefined();
    expect(pageKey('GET', '/feeds/a.rss', `expires=17&xsig=${SIG}`)).toBeUndefined();
  });
});
