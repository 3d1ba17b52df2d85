import { describe, expect, it } from 'vitest';
import type { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import type { DynamoRoutingLog } from '#adapters/aws/dynamo-routing-log.ts';
import type { DynamoWithdrawalStore } from '#adapters/aws/dynamo-withdrawal-store.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let store: DynamoDeliveryStore;
let withdrawals: DynamoWithdrawalStore;
let routing: DynamoRoutingLog;

const AT = '2025-06-01T09:00:00.000Z';
const withdrawal = {
  articleId: 'hagiang-article',
  withdrawnAt: '2025-06-01T08:59:00.000Z',
  reason: 'sai số liệu',
  at: AT,
};

onFreshTable((t) => {
  store = t.deliveries;
  withdrawals = t.withdrawals;
  routing = t.routing;
});

describe('article withdrawal in the delivery store', () => {
  it('marks an article withdrawn once, keeping the first time and reason', async () => {
    expect(await withdrawals.mark(withdrawal)).toBe(true);
    expect(await withdrawals.mark({ ...withdrawal, withdrawnAt: AT, reason: 'again' })).toBe(false);

    expect(await withdrawals.get('hagiang-article')).toEqual(withdrawal);
    expect(await withdrawals.get('other-article')).toBeUndefined();
  });

  it('keeps the marker apart from the article’s routing records and deliveries', async () => {
    const d = deliveryFixture();
    await store.create(d);
    await routing.record({ articleId: 'hagiang-article', version: 1, at: AT, decisions: [] });

    await withdrawals.mark(withdrawal);

    expect((await routing.list('hagiang-article')).map((r) => r.version)).toEqual([1]);
    expect((await store.listByArticle('hagiang-article')).map((x) => x.deliveryId)).toEqual([d.deliveryId]);
  });

  it('discards an unsent delivery out of recovery, and refuses one that moved', async () => {
    const unsent = deliveryFixture({ agreementId: 'one' });
    const sent = deliveryFixture({ agreementId: 'two' });
    await store.create(unsent);
    await store.create(sent);
    await store.recordOutcome(sent, {
      status: 'delivered',
      attempt: { n: 1, at: AT, trigger: 'scheduled', outcome: 'delivered', durationMs: 3 },
    });

    expect(await store.discardUnsent(unsent, AT, 'article withdrawn')).toBe(true);
    expect(await store.discardUnsent(sent, AT, 'article withdrawn')).toBe(false);

    expect(await store.get(unsent.deliveryId)).toMatchObject({
      status: 'discarded',
      lastError: 'article withdrawn',
      attemptCount: 0,
    });
    expect((await store.get(sent.deliveryId))?.status).toBe('delivered');
    expect(await store.listUnfinished(10, ['one'])).toEqual([]);
    const discarded = await store.listByAgreement('one', { status: 'discarded', limit: 10 });
    expect(discarded.items.map((x) => x.deliveryId)).toEqual([unsent.deliveryId]);
  });

  it('keeps what a delivery sends (kind, event) through a write and a read', async () => {
    const notice = deliveryFixture({ kind: 'withdrawal' });
    const update = deliveryFixture({ version: 2, event: 'article.updated' });
    await store.create(notice);
    await store.create(update);

    expect((await store.get(notice.deliveryId))?.kind).toBe('withdrawal');
    expect((await store.get(update.deliveryId))?.event).toBe('article.updated');
  });
});
