import { describe, expect, it } from 'vitest';
import { withdrawArticle } from '#app/withdraw-article.ts';
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
});
