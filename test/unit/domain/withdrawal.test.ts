import { describe, expect, it } from 'vitest';
import type { Delivery } from '#domain/delivery.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import { planWithdrawal, republishRefusal, withdrawalNotice } from '#domain/withdrawal.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';

const NOW = new Date('2026-03-01T08:00:00Z');

/** A delivered webhook delivery of article a1 to `vtv4` (its partner bears the agreement's id). */
function delivery(overrides: Partial<Delivery> = {}): Delivery {
  const agreementId = overrides.agreementId ?? 'vtv4';
  return deliveryFixture({
    agreementId,
    partnerId: agreementId,
    articleId: 'a1',
    title: 'Hà Giang',
    status: 'delivered',
    attemptCount: 1,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...overrides,
  });
}

const withdrawal = {
  articleId: 'a1',
  withdrawnAt: '2026-03-01T07:00:00.000Z',
  reason: 'legal',
  at: NOW.toISOString(),
};

describe('planWithdrawal', () => {
  it('tells each partner channel once, about the newest version it received', () => {
    const plan = planWithdrawal([
      delivery({ version: 1 }),
      delivery({ version: 2 }),
      delivery({ agreementId: 'htv', version: 1 }),
    ]);

    expect(plan.notify.map((d) => [d.agreementId, d.version])).toEqual([
      ['vtv4', 2],
      ['htv', 1],
    ]);
    expect(plan.discard).toEqual([]);
  });

  it('discards unsent deliveries and tells nobody who never received a version', () => {
    const pending = delivery({ agreementId: 'p', status: 'pending' });
    const retrying = delivery({ agreementId: 'r', status: 'retrying' });
    const plan = planWithdrawal([pending, retrying, delivery({ agreementId: 'f', status: 'failed' })]);

    expect(plan.discard).toEqual([pending, retrying]);
    expect(plan.notify).toEqual([]);
  });

  it('still tells a partner whose newer version is unsent when it received an older one', () => {
    const plan = planWithdrawal([delivery({ version: 1 }), delivery({ version: 2, status: 'retrying' })]);

    expect(plan.notify.map((d) => d.version)).toEqual([1]);
    expect(plan.discard.map((d) => d.version)).toEqual([2]);
  });

  it('leaves feed deliveries and existing notices alone', () => {
    const plan = planWithdrawal([
      delivery({ channelType: 'feed', channelId: 'feed' }),
      delivery({ kind: 'withdrawal', status: 'pending' }),
    ]);

    expect(plan).toEqual({ discard: [], notify: [], remoteIds: new Map() });
  });
});

describe('withdrawalNotice', () => {
  it('is a pending withdrawal delivery with its own stable id, apart from the publish id', () => {
    const delivered = delivery({ version: 2 });

    const notice = withdrawalNotice(delivered, withdrawal, NOW);

    expect(notice).toMatchObject({
      kind: 'withdrawal',
      status: 'pending',
      version: 2,
      attemptCount: 0,
      withdrawnAt: withdrawal.withdrawnAt,
      withdrawReason: 'legal',
    });
    expect(notice.deliveryId).toBe(deliveryIdFor('vtv4', 'webhook', 'a1', 2, 'withdrawal'));
    expect(notice.deliveryId).not.toBe(delivered.deliveryId);
    expect(withdrawalNotice(delivered, withdrawal, new Date()).deliveryId).toBe(notice.deliveryId);
  });
});

describe('deliveryIdFor', () => {
  it('keeps publish ids as they were when the kind is left out or publish', () => {
    expect(deliveryIdFor('a', 'c', 'x', 1, 'publish')).toBe(deliveryIdFor('a', 'c', 'x', 1));
  });
});

describe('republishRefusal', () => {
  it('names the article and when it was withdrawn', () => {
    expect(republishRefusal(withdrawal)).toBe(
      'article a1 was withdrawn at 2026-03-01T07:00:00.000Z; a withdrawn article is not republished',
    );
  });
});
