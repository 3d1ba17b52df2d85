/**
 * The in-memory stores unit tests run on (test/support/memory) answer as the Dynamo stores do: the
 * same behaviours, run on both, give the same results, so a use case's unit test meets the races
 * DynamoDB's conditions decide.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Attempt, Delivery } from '#domain/delivery.ts';
import type { DeliveryStore } from '#ports/delivery-store.ts';
import type { FeedIndex } from '#ports/feed-index.ts';
import type { WithdrawalStore } from '#ports/withdrawal-store.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable, type TableStores } from '#test/support/dynamo-table.ts';
import { memoryPorts } from '#test/support/memory/deps.ts';

interface Stores {
  deliveries: DeliveryStore;
  feedIndex: FeedIndex;
  withdrawals: WithdrawalStore;
}

let table: TableStores;
onFreshTable((t) => {
  table = t;
});

const ENGINES: Record<string, () => Stores> = {
  dynamo: () => table,
  memory: () => memoryPorts(),
};

const AT = '2025-06-01T09:00:00.000Z';
const failed = (n: number): Attempt => ({ n, at: AT, trigger: 'scheduled', outcome: 'retry', durationMs: 5 });
const feedDelivery = (version = 1): Delivery =>
  deliveryFixture({ channelId: 'feed', channelType: 'feed', version, feedAt: '2025-06-01T08:00:00.000Z' });

describe.each(Object.entries(ENGINES))('the %s stores', (_engine, make) => {
  let s: Stores;
  beforeEach(() => {
    s = make();
  });

  it('create a delivery once', async () => {
    const d = deliveryFixture();

    expect([await s.deliveries.create(d), await s.deliveries.create({ ...d, title: 'again' })]).toEqual([
      true,
      false,
    ]);
    expect((await s.deliveries.get(d.deliveryId))?.title).toBe(d.title);
  });

  it('record an outcome only from the attempt count read, and only while the delivery is attemptable', async () => {
    const d = deliveryFixture();
    await s.deliveries.create(d);

    const first = await s.deliveries.recordOutcome(d, { status: 'retrying', attempt: failed(1) });
    const stale = await s.deliveries.recordOutcome(d, { status: 'retrying', attempt: failed(1) });
    const read = (await s.deliveries.get(d.deliveryId)) ?? d;
    const done = await s.deliveries.recordOutcome(read, { status: 'failed', attempt: failed(2) });
    const after = await s.deliveries.recordOutcome(
      { ...read, attemptCount: 2 },
      { status: 'failed', attempt: failed(3) },
    );

    expect([first, stale, done, after]).toEqual([true, false, true, false]);
    expect(await s.deliveries.get(d.deliveryId)).toMatchObject({ status: 'failed', attemptCount: 2 });
  });

  it('hold and discard only an unchanged attemptable delivery; release and reopen once', async () => {
    const held = deliveryFixture({ agreementId: 'held' });
    const ended = deliveryFixture({ agreementId: 'ended' });
    for (const d of [held, ended]) await s.deliveries.create(d);

    const holds = [await s.deliveries.hold(held, AT), await s.deliveries.hold(held, AT)];
    const discards = [
      await s.deliveries.discardUnsent(ended, AT, 'gone'),
      await s.deliveries.discardUnsent(held, AT, 'x'),
    ];
    const releases = [
      await s.deliveries.release(held.deliveryId, AT),
      await s.deliveries.release(held.deliveryId, AT),
    ];
    const reopens = [
      await s.deliveries.reopenForReplay(ended.deliveryId, AT, 'rpl_1'),
      await s.deliveries.reopenForReplay(ended.deliveryId, AT, 'rpl_2'),
    ];

    expect(holds).toEqual([true, false]);
    expect(discards).toEqual([true, false]);
    expect(releases.map((d) => d?.status)).toEqual(['pending', undefined]);
    expect(reopens.map((d) => d?.lastReplayId)).toEqual(['rpl_1', undefined]);
    expect(
      (await s.deliveries.listUnfinished(10, ['ended', 'held', 'discard'])).map((d) => d.agreementId).sort(),
    ).toEqual(['ended', 'held']);
  });

  it('count the first pull once and downloads only of a delivery that exists', async () => {
    const d = feedDelivery();
    await s.deliveries.create(d);

    const pulls = [
      await s.deliveries.recordFirstPull(d.deliveryId, AT),
      await s.deliveries.recordFirstPull(d.deliveryId, AT),
    ];
    const downloads = [
      await s.deliveries.recordDownload(d.deliveryId, AT),
      await s.deliveries.recordDownload('dlv_none', AT),
    ];

    expect(pulls).toEqual([true, false]);
    expect(downloads).toEqual([true, false]);
    expect(await s.deliveries.get(d.deliveryId)).toMatchObject({ firstPulledAt: AT, downloads: 1 });
  });

  it('withdraw and supersede only feed deliveries, each once and never back to an older version', async () => {
    const feed = feedDelivery();
    const webhook = deliveryFixture();
    for (const d of [feed, webhook]) await s.deliveries.create(d);
    const position = `${AT}#${feed.deliveryId}`;

    const withdrawals = [
      await s.feedIndex.withdraw(feed.deliveryId, { withdrawnAt: AT, position }),
      await s.feedIndex.withdraw(feed.deliveryId, { withdrawnAt: AT, position }),
      await s.feedIndex.withdraw(webhook.deliveryId, { withdrawnAt: AT, position }),
    ];
    const supersedes = [
      await s.feedIndex.supersede(feed.deliveryId, 3),
      await s.feedIndex.supersede(feed.deliveryId, 2),
      await s.feedIndex.supersede(webhook.deliveryId, 3),
    ];

    expect(withdrawals).toEqual([true, false, false]);
    expect(supersedes).toEqual([true, false, false]);
    const rows = await s.feedIndex.list(feed.agreementId, { upTo: `${AT}#~`, limit: 10 });
    expect(rows.map((r) => [r.position, r.delivery.supersededBy])).toEqual([[position, 3]]);
  });

  it('keep the first withdrawal marker of an article', async () => {
    const w = { articleId: 'hagiang-article', withdrawnAt: AT, reason: 'legal', at: AT };

    expect([await s.withdrawals.mark(w), await s.withdrawals.mark({ ...w, reason: 'again' })]).toEqual([
      true,
      false,
    ]);
    expect(await s.withdrawals.get(w.articleId)).toEqual(w);
    expect(await s.withdrawals.get('other')).toBeUndefined();
  });
});
