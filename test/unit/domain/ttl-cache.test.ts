import { describe, expect, it } from 'vitest';
import { TtlCache } from '#domain/ttl-cache.ts';

/** A cache on a clock the test moves. */
function cacheAt<V>(ttlMs: number, maxEntries = 1000) {
  const clock = { ms: 0 };
  const cache = new TtlCache<V>({ ttlMs, maxEntries, now: () => clock.ms });
  return { cache, clock };
}

describe('TtlCache', () => {
  it('answers from memory within the TTL and reads again after it', async () => {
    const { cache, clock } = cacheAt<number>(1000);
    let reads = 0;
    const load = async () => ++reads;

    expect(await cache.getOrLoad('a', load)).toBe(1);
    clock.ms = 999;
    expect(await cache.getOrLoad('a', load)).toBe(1);
    clock.ms = 1000;
    expect(await cache.getOrLoad('a', load)).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps keys apart and caches an undefined answer too', async () => {
    const { cache, clock } = cacheAt<string | undefined>(1000);
    let reads = 0;
    const load = async () => {
      reads += 1;
      return undefined;
    };
    await cache.getOrLoad('gone', load);
    clock.ms = 10;
    await cache.getOrLoad('gone', load);
    await cache.getOrLoad('other', async () => 'x');
    expect(reads).toBe(1);
    clock.ms = 20;
    expect(await cache.getOrLoad('other', async () => 'y')).toBe('x');
  });

  it('stays bounded, dropping the oldest entry when full', async () => {
    const { cache, clock } = cacheAt<number>(1000, 2);
    await cache.getOrLoad('a', async () => 1);
    await cache.getOrLoad('b', async () => 2);
    await cache.getOrLoad('c', async () => 3);
    clock.ms = 1;
    expect(await cache.getOrLoad('a', async () => 9)).toBe(9);
    expect(await cache.getOrLoad('c', async () => 8)).toBe(3);
  });

  it('shares one load between concurrent callers of a key', async () => {
    const { cache } = cacheAt<number>(1000);
    let reads = 0;
    const load = async () => ++reads;

    const [first, second] = await Promise.all([cache.getOrLoad('a', load), cache.getOrLoad('a', load)]);

    expect([first, second, reads]).toEqual([1, 1, 1]);
  });

  it('keeps no failed load, so the next caller reads again', async () => {
    const { cache } = cacheAt<number>(1000);
    await expect(cache.getOrLoad('a', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');

    expect(await cache.getOrLoad('a', async () => 2)).toBe(2);
  });

  it('replaces an entry with a value just written, fresh for a whole TTL', async () => {
    const { cache, clock } = cacheAt<string>(1000);
    await cache.getOrLoad('a', async () => 'old');
    clock.ms = 500;
    cache.set('a', 'new');
    clock.ms = 1400;

    expect(cache.peek('a')).toBe('new');
    expect(await cache.getOrLoad('a', async () => 'read')).toBe('new');
  });

  it('peeks only at a loaded, fresh value', async () => {
    const { cache, clock } = cacheAt<number>(1000);
    let resolve: (v: number) => void = () => {};
    const pending = cache.getOrLoad('a', () => new Promise<number>((r) => (resolve = r)));
    expect(cache.peek('a')).toBeUndefined();
    resolve(1);
    await pending;
    expect(cache.peek('a')).toBe(1);
    clock.ms = 1000;
    expect(cache.peek('a')).toBeUndefined();
  });

  it('peeks at the time the caller read from the same clock, when it gives one', async () => {
    const { cache } = cacheAt<number>(1000);
    await cache.getOrLoad('a', async () => 1);

    expect(cache.peek('a', 999)).toBe(1);
    expect(cache.peek('a', 1000)).toBeUndefined();
  });

  it('caches nothing with a TTL of zero', async () => {
    const { cache } = cacheAt<number>(0);
    let reads = 0;
    const load = async () => ++reads;
    await cache.getOrLoad('a', load);
    cache.set('a', 7);

    expect(await cache.getOrLoad('a', load)).toBe(2);
  });

  it('forgets a key on request, so the next read loads again', async () => {
    const { cache } = cacheAt<number>(1000);
    let reads = 0;
    const load = async () => ++reads;
    await cache.getOrLoad('a', load);

    cache.forget('a');

    expect(cache.peek('a')).toBeUndefined();
    expect(await cache.getOrLoad('a', load)).toBe(2);
  });
});
