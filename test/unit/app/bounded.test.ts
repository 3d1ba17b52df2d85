import { describe, expect, it } from 'vitest';
import { mapBounded } from '#app/bounded.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('mapBounded', () => {
  it('never has more than the limit in flight, and returns results in the order of the items', async () => {
    let inFlight = 0;
    let most = 0;

    const out = await mapBounded([5, 1, 4, 2, 3, 6, 7], 3, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      for (let i = 0; i < n; i++) await tick();
      inFlight--;
      return n * 10;
    });

    expect(out).toEqual([50, 10, 40, 20, 30, 60, 70]);
    expect(most).toBe(3);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];

    const run = mapBounded([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 2) throw new Error('create refused: 2');
      return n;
    });

    await expect(run).rejects.toThrow('create refused: 2');
    expect(started).toEqual([1, 2, 3]);
  });

  it('maps nothing to nothing', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
  });
});
