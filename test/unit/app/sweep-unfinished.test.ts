import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { sweepUnfinished } from '#app/sweep-unfinished.ts';
import type { Delivery } from '#domain/delivery.ts';
import type { WorkMessage } from '#ports/work-queue.ts';

const NOW = new Date('2026-03-01T08:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

const d = (deliveryId: string, updatedAt: string, extra: Partial<Delivery> = {}) =>
  ({ deliveryId, channelType: 'webhook', status: 'pending', updatedAt, ...extra }) as Delivery;

function deps(unfinished: Delivery[]) {
  const enqueued: { ids: string[]; delaySeconds: number }[] = [];
  const askedFor: string[][] = [];
  return {
    enqueued,
    askedFor,
    deps: {
      agreements: { list: async () => [{ agreementId: 'vtv4' }, { agreementId: 'ended-2024' }] },
      deliveries: {
        listUnfinished: async (_limit: number, ids: string[]) => {
          askedFor.push(ids);
          return unfinished;
        },
      },
      queue: {
        enqueue: async (_c: string, messages: WorkMessage[], delaySeconds = 0) =>
          void enqueued.push({ ids: messages.map((m) => m.deliveryId), delaySeconds }),
      },
      clock: { now: () => NOW },
      logger: new Logger({ logLevel: 'SILENT' }),
    } as never,
  };
}

describe('sweepUnfinished', () => {
  it('re-enqueues deliveries long past due, and leaves recent ones to their message', async () => {
    const f = deps([
      d('dlv_old', ago(20 * 60_000)),
      d('dlv_recent', ago(60_000)),
      d('dlv_retrying_due_long_ago', ago(30 * 60_000), {
        status: 'retrying',
        nextAttemptAt: ago(16 * 60_000),
      }),
      d('dlv_retrying_not_yet', ago(30 * 60_000), { status: 'retrying', nextAttemptAt: ago(-60_000) }),
    ]);

    const result = await sweepUnfinished(f.deps, { staleAfterMs: 15 * 60_000 });

    expect(result.requeued).toEqual(['dlv_old', 'dlv_retrying_due_long_ago']);
    expect(f.enqueued).toEqual([{ ids: ['dlv_old', 'dlv_retrying_due_long_ago'], delaySeconds: 0 }]);
    expect(f.askedFor).toEqual([['vtv4', 'ended-2024']]);
  });

  it('leaves a retrying delivery alone until its carried retries are over, however long ago its next attempt was due', async () => {
    const f = deps([
      d('dlv_carried', ago(3 * 60 * 60_000), {
        status: 'retrying',
        nextAttemptAt: ago(2 * 60 * 60_000),
        retriesEndBy: ago(-60 * 60_000),
      }),
      d('dlv_chain_lost', ago(9 * 60 * 60_000), {
        status: 'retrying',
        nextAttemptAt: ago(8 * 60 * 60_000),
        retriesEndBy: ago(30 * 60_000),
      }),
    ]);

    const result = await sweepUnfinished(f.deps, { staleAfterMs: 15 * 60_000 });

    expect(result.requeued).toEqual(['dlv_chain_lost']);
  });

  it('where it knows which messages hold which delivery, puts back only those nothing holds, at their due time', async () => {
    const f = deps([
      d('dlv_held', ago(60_000)),
      d('dlv_lost', ago(60_000)),
      d('dlv_lost_later', ago(60_000), { nextAttemptAt: ago(-30_000) }),
      d('dlv_just_written', ago(10)),
    ]);

    const result = await sweepUnfinished(f.deps, { staleAfterMs: 1_000, isHeld: (id) => id === 'dlv_held' });

    expect(result.requeued).toEqual(['dlv_lost', 'dlv_lost_later']);
    expect(f.enqueued).toEqual([
      { ids: ['dlv_lost'], delaySeconds: 0 },
      { ids: ['dlv_lost_later'], delaySeconds: 30 },
    ]);
  });

  it('leaves feed deliveries alone: nothing is pushed for them', async () => {
    const f = deps([d('dlv_feed', ago(60 * 60_000), { channelType: 'feed' })]);

    expect((await sweepUnfinished(f.deps, { staleAfterMs: 0 })).requeued).toEqual([]);
  });

  it('puts back a thousand lost deliveries with one enqueue per channel kind, not one per delivery', async () => {
    const lost = [
      ...Array.from({ length: 1_000 }, (_, i) => d(`dlv_webhook_${i}`, ago(20 * 60_000))),
      ...Array.from({ length: 10 }, (_, i) =>
        d(`dlv_social_${i}`, ago(20 * 60_000), { channelType: 'social' }),
      ),
    ];
    const f = deps(lost);

    const result = await sweepUnfinished(f.deps, { staleAfterMs: 15 * 60_000 });

    expect(result.requeued).toHaveLength(1_010);
    expect(f.enqueued.map((e) => [e.ids.length, e.delaySeconds])).toEqual([
      [1_000, 0],
      [10, 0],
    ]);
  });
});
