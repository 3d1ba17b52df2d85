import { describe, expect, it } from 'vitest';
import { commitmentProgress, periodsOf } from '#domain/commitment.ts';
import { Commitment } from '#schemas/report.ts';
import { deliveryFact } from '#test/fixtures/facts.ts';

const ocop = (articleId: string, day: string, over = {}) =>
  deliveryFact({
    deliveryId: `${articleId}-${day}`,
    articleId,
    topics: ['ocop-products'],
    routedAt: `${day}T08:00:00.000Z`,
    deliveredAt: `${day}T08:00:01.000Z`,
    ...over,
  });

describe('periodsOf', () => {
  it('cuts a term into calendar quarters clipped to the term', () => {
    expect(periodsOf('quarter', '2024-02-15', '2024-07-10')).toEqual([
      { period: '2024-Q1', from: '2024-02-15', to: '2024-03-31' },
      { period: '2024-Q2', from: '2024-04-01', to: '2024-06-30' },
      { period: '2024-Q3', from: '2024-07-01', to: '2024-07-10' },
    ]);
  });

  it('gives one period for a commitment over the whole term', () => {
    expect(periodsOf('term', '2020-01-01', '2025-12-31')).toEqual([
      { period: 'term', from: '2020-01-01', to: '2025-12-31' },
    ]);
  });
});

describe('commitmentProgress', () => {
  const commitment = { topic: 'ocop-products', per: 'quarter' as const, atLeast: 2 };

  it('counts distinct articles first delivered in each period and names the shortfall', () => {
    const facts = [
      ocop('a', '2024-01-05'),
      ocop('a', '2024-01-06', { channelType: 'feed' }),
      ocop('b', '2024-02-01'),
      ocop('c', '2024-04-01'),
    ];

    const [progress] = commitmentProgress([commitment], facts, '2024-01-01', '2024-09-30', '2024-08-01');

    expect(progress?.periods.map((p) => [p.period, p.count, p.state, p.shortfall])).toEqual([
      ['2024-Q1', 2, 'met', 0],
      ['2024-Q2', 1, 'short', 1],
      ['2024-Q3', 0, 'open', 2],
    ]);
    expect([progress?.met, progress?.short, progress?.open]).toEqual([1, 1, 1]);
  });

  it('does not count corrections, takedowns, failures or other topics as new items', () => {
    const facts = [
      ocop('a', '2024-01-05', { status: 'failed' }),
      ocop('b', '2024-01-05', { kind: 'withdrawal' }),
      ocop('c', '2024-01-05', { topics: ['culture-tourism'] }),
    ];

    const [progress] = commitmentProgress([commitment], facts, '2024-01-01', '2024-03-31', '2025-01-01');

    expect(progress?.periods[0]?.count).toBe(0);
    expect(progress?.periods[0]?.state).toBe('short');
  });
});

describe('Commitment schema', () => {
  it('refuses a malformed commitment naming the field', () => {
    const parsed = Commitment.safeParse({ topic: 'ocop-products', per: 'fortnight', atLeast: 0 });

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['atLeast', 'per']);
  });
});
