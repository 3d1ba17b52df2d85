import { describe, expect, it } from 'vitest';
import { TtlCache } from '#app/read-cache.ts';

describe('TtlCache', () => {
  it('answers from memory within the TTL and reads again after it', async () => {
    const cache = new TtlCache<number>(1000);
    let reads = 0;
    const load = async () => ++reads;

    expect(await cache.get('a', 0, load)).toBe(1);
    expect(await cache.get('a', 999, load)).toBe(1);
    expect(await cache.get('a', 1000, load)).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps keys apart and caches an undefined answer too', async () => {
    const cache = new TtlCache<string | undefined>(1000);
    let reads = 0;
    const load = async () => {
      reads += 1;
      return undefined;
    };
    await cache.get('gone', 0, load);
    await cache.get('gone', 10, load);
    await cache.get('other', 10, async () => 'x');
    expect(reads).toBe(1);
    expect(await cache.get('other', 20, async () => 'y')).toBe('x');
  });

  it('stays bounded, starting afresh when full', async () => {
    const cache = new TtlCache<number>(1000, 2);
    await cache.get('a', 0, async () => 1);
    await cache.get('b', 0, async () => 2);
    await cache.get('c', 0, async () => 3);
    expect(await cache.get('a', 1, async () => 9)).toBe(9);
  });
});
