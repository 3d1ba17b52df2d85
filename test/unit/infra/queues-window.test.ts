/** The local queues keep a batching window as Lambda's event source mapping does. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LocalQueues } from '#infra/local/queues.ts';
import type { FunctionName, QueueSpec } from '#infra/wiring.ts';

const spec: QueueSpec = {
  name: 'webhook',
  consumer: 'deliver-webhook',
  visibilityTimeoutSeconds: 60,
  maxReceiveCount: 3,
  batchSize: 3,
  maxBatchingWindowSeconds: 1,
};
const started: LocalQueues[] = [];

/**
 * Queues whose consumer notes each batch's bodies; `windowScale` stretches the 1 s window. The windows
 * are long beside the tests' own pauses, so a slow machine cannot make a batch look early or late.
 */
function makeQueues(batches: string[][], windowScale: number): LocalQueues {
  const queues = new LocalQueues({
    specs: [spec],
    invoke: async (_fn: FunctionName, event: unknown) => {
      batches.push((event as { Records: { body: string }[] }).Records.map((r) => r.body));
      return { batchItemFailures: [] };
    },
    baseUrl: 'http://127.0.0.1:4566/',
    pollIntervalMs: 2,
    batchingWindowScale: windowScale,
  });
  started.push(queues);
  return queues;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((q) => q.stop()));
});

describe('LocalQueues batching window', () => {
  it('hands a full batch at once', async () => {
    const batches: string[][] = [];
    // A 60 s window: a full batch handed within the 10 s wait cannot have waited for it.
    const queues = makeQueues(batches, 60);
    queues.start();
    for (const body of ['a', 'b', 'c']) queues.send('loa-webhook', body);

    await vi.waitFor(() => expect(batches).toHaveLength(1), { timeout: 10_000, interval: 5 });

    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('holds a short batch until the window has passed, gathering what comes meanwhile', async () => {
    const batches: string[][] = [];
    const queues = makeQueues(batches, 1);
    queues.start();
    queues.send('loa-webhook', 'a');
    await new Promise((resolve) => setTimeout(resolve, 15));
    queues.send('loa-webhook', 'b');
    await new Promise((resolve) => setTimeout(resolve, 15));

    // About 30 ms into a 1 s window: nothing handed yet.
    expect(batches).toEqual([]);
    await queues.idle();
    expect(batches).toEqual([['a', 'b']]);
  });

  it('counts a hold only while nothing runs: a full batch is not held, a short one is, once', async () => {
    const batches: string[][] = [];
    const queues = makeQueues(batches, 0.05);
    queues.start();
    for (const body of ['a', 'b', 'c']) queues.send('loa-webhook', body);
    await queues.idle();
    expect(queues.windowHolds('webhook')).toEqual({ count: 0, ms: 0 });

    queues.send('loa-webhook', 'd');
    await queues.idle();

    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
    const held = queues.windowHolds('webhook', true);
    expect(held.count).toBe(1);
    expect(held.ms).toBeGreaterThan(0);
    // Reset: the next read starts from nothing.
    expect(queues.windowHolds('webhook')).toEqual({ count: 0, ms: 0 });
  });

  it('does not count a short batch that waits while another batch of the queue runs', async () => {
    const batches: string[][] = [];
    let release = () => {};
    const running = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queues = new LocalQueues({
      specs: [spec],
      invoke: async (_fn: FunctionName, event: unknown) => {
        const bodies = (event as { Records: { body: string }[] }).Records.map((r) => r.body);
        batches.push(bodies);
        if (bodies.includes('a')) await running;
        return { batchItemFailures: [] };
      },
      baseUrl: 'http://127.0.0.1:4566/',
      pollIntervalMs: 2,
      batchingWindowScale: 0.05,
    });
    started.push(queues);
    queues.start();
    for (const body of ['a', 'b', 'c']) queues.send('loa-webhook', body);
    await vi.waitFor(() => expect(batches).toHaveLength(1), { timeout: 10_000, interval: 5 });
    queues.send('loa-webhook', 'd');
    // Well past d's 50 ms window, with the first batch still running (maxConcurrentBatches 4: d is
    // handed when its window passes, beside the running batch, never idle-held).
    await vi.waitFor(() => expect(batches).toHaveLength(2), { timeout: 10_000, interval: 5 });
    release();
    await queues.idle();

    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
    expect(queues.windowHolds('webhook')).toEqual({ count: 0, ms: 0 });
  });
});
