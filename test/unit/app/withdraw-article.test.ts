import { describe, expect, it } from 'vitest';
import type { Deps } from '#app/deps.ts';
import { withdrawArticle } from '#app/withdraw-article.ts';
import type { Delivery } from '#domain/delivery.ts';
import type { ArticleWithdrawal } from '#domain/withdrawal.ts';
import type { WorkMessage } from '#ports/work-queue.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';

const NOW = new Date('2026-03-01T08:00:00Z');
const EVENT = { articleId: 'hagiang-article', withdrawnAt: '2026-03-01T07:00:00.000Z', reason: 'legal' };

/** An in-memory delivery store with just what the withdraw use case calls. */
function fakeDeps(initial: Delivery[], onDiscard: (d: Delivery) => boolean = () => true) {
  const items = new Map(initial.map((d) => [d.deliveryId, structuredClone(d)]));
  const markers = new Map<string, ArticleWithdrawal>();
  const enqueued: WorkMessage[] = [];
  const deps = {
    clock: { now: () => NOW },
    queue: { enqueue: async (_c: string, messages: WorkMessage[]) => void enqueued.push(...messages) },
    deliveries: {
      markWithdrawn: async (w: ArticleWithdrawal) => {
        if (markers.has(w.articleId)) return false;
        markers.set(w.articleId, w);
        return true;
      },
      listByArticle: async (articleId: string) =>
        [...items.values()].filter((d) => d.articleId === articleId).map((d) => structuredClone(d)),
      withdrawFromFeed: async () => false,
      discardUnsent: async (d: Delivery, at: string, why: string) => {
        const stored = items.get(d.deliveryId);
        if (!stored || !onDiscard(stored) || !['pending', 'retrying'].includes(stored.status)) return false;
        items.set(d.deliveryId, { ...stored, status: 'discarded', updatedAt: at, lastError: why });
        return true;
      },
      get: async (id: string) => structuredClone(items.get(id)),
      create: async (d: Delivery) => {
        if (items.has(d.deliveryId)) return false;
        items.set(d.deliveryId, d);
        return true;
      },
    },
  } as unknown as Deps;
  return { deps, items, markers, enqueued };
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
      return false;
    });

    const result = await withdrawArticle(f.deps, EVENT);

    expect(result.discarded).toEqual([]);
    expect(result.notices).toHaveLength(1);
    expect(f.items.get(result.notices[0] ?? '')?.agreementId).toBe('racing');
  });
});
