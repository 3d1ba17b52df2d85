import { describe, expect, it } from 'vitest';
import { withdrawArticle } from '#app/withdraw-article.ts';
import { WITHDRAW_CONCURRENCY } from '#app/withdraw-from-feeds.ts';
import type { Delivery } from '#domain/delivery.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { memoryDeps, memoryPorts } from '#test/support/memory/deps.ts';

const NOW = new Date('2026-03-01T08:00:00Z');
const EVENT = { articleId: 'hagiang-article', withdrawnAt: '2026-03-01T07:00:00.000Z', reason: 'legal' };

/** Deps of in-memory ports holding `initial`; `beforeDiscard` runs just before each discard's write. */
function fakeDeps(initial: Delivery[], beforeDiscard: (stored: Delivery) => void = () => {}) {
  const ports = memoryPorts();
  for (const d of initial) ports.deliveries.items.set(d.deliveryId, structuredClone(d));
  const discard = ports.deliveries.discardUnsent.bind(ports.deliveries);
  ports.deliveries.discardUnsent = async (d, at, why) => {
    const stored = ports.deliveries.items.get(d.deliveryId);
    if (stored) beforeDiscard(stored);
    return discard(d, at, why);
  };
  const deps = memoryDeps({ clock: { now: () => NOW } }, ports);
  return {
    deps,
    ports,
    items: ports.deliveries.items,
    markers: ports.withdrawals.items,
    enqueued: ports.queue.messages,
  };
}

describe('withdrawArticle', () => {
  it('tells partners that had it once, discards what was unsent, and does nothing new the second time', async () => {
    const had = deliveryFixture({ agreementId: 'had', status: 'delivered', attemptCount: 1 });
    const unsent = deliveryFixture({ agreementId: 'unsent', status: 'retrying', attemptCount: 1 });
    const failed = deliveryFixture({ agreementId: 'failed', status: 'failed', attemptCount: 1 });
    const f = fakeDeps([had, unsent, failed]);

    const first = await withdrawArticle(f.deps, EVENT);
    const second = await withdrawArticle(f.deps, EVENT);

    expect(first).toMatchObject({ marked: true, discarded: [unsent.deliveryId] });
    expect(first.notices).toHaveLength(1);
    expect(f.items.get(first.notices[0] ?? '')).toMatchObject({
      agreementId: 'had',
      kind: 'withdrawal',
      status: 'pending',
      withdrawnAt: EVENT.withdrawnAt,
    });
    expect(f.items.get(unsent.deliveryId)?.status).toBe('discarded');
    expect(f.items.get(failed.deliveryId)?.status).toBe('failed');
    expect(second).toMatchObject({ marked: false, discarded: [], notices: [] });
    expect(f.enqueued).toEqual([{ deliveryId: first.notices[0], trigger: 'scheduled' }]);
    expect(f.markers.get(EVENT.articleId)).toMatchObject({
      withdrawnAt: EVENT.withdrawnAt,
      at: NOW.toISOString(),
    });
  });

  it('tells a partner whose delivery was delivered while the withdrawal ran', async () => {
    const racing = deliveryFixture({ agreementId: 'racing', status: 'pending' });
    const f = fakeDeps([racing], (stored) => {
      // The worker records delivered just before the discard's conditional write.
      stored.status = 'delivered';
    });

    const result = await withdrawArticle(f.deps, EVENT);

    expect(result.discarded).toEqual([]);
    expect(result.notices).toHaveLength(1);
    expect(f.items.get(result.notices[0] ?? '')?.agreementId).toBe('racing');
  });

  it('takes down an article sent to 2,000 partners with bounded writes in flight, and enqueues the takedowns together', async () => {
    const sent = Array.from({ length: 2_000 }, (_, i) =>
      deliveryFixture({ agreementId: `sent-${i}`, status: 'delivered', attemptCount: 1 }),
    );
    const unsent = Array.from({ length: 300 }, (_, i) => deliveryFixture({ agreementId: `unsent-${i}` }));
    const feeds = Array.from({ length: 300 }, (_, i) =>
      deliveryFixture({
        agreementId: `feed-${i}`,
        channelId: 'feed',
        channelType: 'feed',
        status: 'delivered',
        feedAt: '2026-03-01T06:00:00.000Z',
      }),
    );
    const f = fakeDeps([...sent, ...unsent, ...feeds]);
    let inFlight = 0;
    let most = 0;
    /** The same write, counted while it is in flight, which it stays for a turn of the event loop. */
    const counted =
      <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        most = Math.max(most, ++inFlight);
        try {
          await new Promise((resolve) => setImmediate(resolve));
          return await write(...args);
        } finally {
          inFlight--;
        }
      };
    const { deliveries, feedIndex } = f.ports;
    deliveries.create = counted(deliveries.create.bind(deliveries));
    deliveries.discardUnsent = counted(deliveries.discardUnsent.bind(deliveries));
    feedIndex.withdraw = counted(feedIndex.withdraw.bind(feedIndex));

    const result = await withdrawArticle(f.deps, EVENT);

    expect(result.notices).toHaveLength(2_000);
    expect(result.discarded).toHaveLength(300);
    expect(result.feeds).toEqual({ withdrawn: 300, already: 0 });
    expect(most).toBe(WITHDRAW_CONCURRENCY);
    // One enqueue for the one channel kind; the SQS adapter sends it ten to a SendMessageBatch.
    expect(f.ports.queue.batches).toHaveLength(1);
    expect(f.ports.queue.batches[0]?.messages).toHaveLength(2_000);
  });
});
