/** The local queues keep a batching window as Lambda's event source mapping does. */
import { afterEach, describe, expect, it } from 'vitest';
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

/** Queues whose consumer notes each batch's bodies; `timeScale` 0.05 makes the 1 s window 50 ms. */
function makeQueues(batches: string[][]): LocalQueues {
  const queues = new LocalQueues({
    specs: [spec],
    invoke: async (_fn: FunctionName, event: unknown) => {
      batches.push((event as { Records: { body: string }[] }).Records.map((r) => r.body));
      return { batchItemFailures: [] };
    },
    baseUrl: 'http://127.0.0.1:4566/',
    pollIntervalMs: 2,
    timeScale: 0.05,
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
    const queues = makeQueues(batches);
    queues.start();
    for (const body of ['a', 'b', 'c']) queues.send('loa-webhook', body);

    await new Promise((resolve) => setTimeout(resolve, 20));

    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('holds a short batch until the window has passed, gathering what comes meanwhile', async () => {
    const batches: string[][] = [];
    const queues = makeQueues(batches);
    queues.start();
    queues.send('loa-webhook', 'a');
    await new Promise((resolve) => setTimeout(resolve, 15));
    queues.send('loa-webhook', 'b');
    await new Promise((resolve) => setTimeout(resolve, 15));

    // 30 ms into a 50 ms window: nothing handed yet.
    expect(batches).toEqual([]);
    await queues.idle();
    expect(batches).toEqual([['a', 'b']]);
  });
});
