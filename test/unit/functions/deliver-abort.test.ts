/** The deliver handler hands the worker middy's signal, which fires shortly before the Lambda timeout. */
import { describe, expect, it, vi } from 'vitest';
import { ABORT_BEFORE_TIMEOUT_MS, makeDeliverHandler } from '#functions/deliver.ts';
import { memoryDeps } from '#test/support/memory/deps.ts';

// The worker itself is deliver-webhook.test.ts's subject; here only what the handler gives it.
const calls: { signal: AbortSignal | undefined; abortedAfterMs?: number }[] = [];
vi.mock('#app/deliver.ts', () => ({
  deliver: async (_deps: unknown, _adapters: unknown, _msg: unknown, signal?: AbortSignal) => {
    const started = Date.now();
    const call: (typeof calls)[number] = { signal };
    calls.push(call);
    // A slow partner: the attempt lasts until the signal fires (or far past the timeout).
    await new Promise<void>((resolve) => {
      const giveUp = setTimeout(resolve, 10_000);
      signal?.addEventListener('abort', () => {
        clearTimeout(giveUp);
        call.abortedAfterMs = Date.now() - started;
        resolve();
      });
    });
    return { kind: 'recorded', status: 'retrying' };
  },
}));

describe('deliver handler', () => {
  it('aborts an attempt in flight shortly before the Lambda timeout and still answers the batch', async () => {
    const deps = memoryDeps();
    deps.config.retryPolicy.timeoutMs = 0;
    // 2.5 s left: enough to start an attempt (deadline 0 + 2 s reserve), then the signal fires.
    const end = Date.now() + 2_500;
    const context = { getRemainingTimeInMillis: () => end - Date.now() };
    const handler = makeDeliverHandler(
      () => deps,
      () => ({}),
    );
    const event = {
      Records: [{ messageId: 'm1', body: JSON.stringify({ deliveryId: 'dlv_slow', trigger: 'scheduled' }) }],
    };

    const out = await handler(event as never, context as never);

    expect(out.batchItemFailures).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.signal?.aborted).toBe(true);
    // Fired ABORT_BEFORE_TIMEOUT_MS before the end, not at it (timers are not exact).
    expect(calls[0]?.abortedAfterMs).toBeGreaterThan(2_500 - ABORT_BEFORE_TIMEOUT_MS - 300);
    expect(calls[0]?.abortedAfterMs).toBeLessThan(2_500 - ABORT_BEFORE_TIMEOUT_MS + 300);
  });
});
