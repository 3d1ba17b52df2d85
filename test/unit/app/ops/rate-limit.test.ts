import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '#app/ops/rate-limit.ts';

/** A clock that only moves when the limiter sleeps. */
function fakeTime(start = 1_000_000) {
  let now = start;
  const advance = (ms: number) => {
    now += ms;
  };
  return { now: () => now, sleep: async (ms: number) => advance(ms), advance };
}

describe('sliding-window rate limit', () => {
  it('grants up to the rate at once, then waits until the oldest action is a second old', async () => {
    const time = fakeTime();
    const limit = new SlidingWindow(5, time.now, time.sleep);

    const first = await limit.take(8);
    const second = await limit.take(8);

    expect(first).toEqual({ count: 5, at: 1_000_000 });
    expect(second.count).toBe(5);
    expect(second.at).toBeGreaterThanOrEqual(1_001_000);
  });

  it('never lets more than the rate into any one-second window', async () => {
    const time = fakeTime();
    const limit = new SlidingWindow(7, time.now, time.sleep);
    const times: number[] = [];

    for (let i = 0; i < 60; i++) {
      const grant = await limit.take(1 + (i % 4));
      times.push(...Array.from({ length: grant.count }, () => grant.at));
      time.advance(i % 3 === 0 ? 130 : 0);
    }

    const sorted = times.sort((a, b) => a - b);
    const busiest = Math.max(...sorted.map((t) => sorted.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBe(7);
  });
});
