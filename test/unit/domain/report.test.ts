import { describe, expect, it } from 'vitest';
import { monthsBetween } from '#domain/fact.ts';
import { aggregate, percentile } from '#domain/report.ts';
import { deliveryFact, notSentFact } from '#test/fixtures/facts.ts';

describe('aggregate', () => {
  it('breaks deliveries down by topic, month, channel and language', () => {
    const facts = [
      deliveryFact({ deliveryId: 'd1' }),
      deliveryFact({ deliveryId: 'd2', channelType: 'feed', channelId: 'feed-1' }),
      deliveryFact({ deliveryId: 'd3', routedAt: '2024-04-02T00:00:00.000Z', status: 'failed' }),
      deliveryFact({ deliveryId: 'd4', language: 'en', status: 'discarded' }),
    ];

    const report = aggregate(facts);

    expect(
      report.rows.map((r) => [r.topic, r.month, r.channel, r.language, r.delivered, r.failed, r.discarded]),
    ).toEqual([
      ['infrastructure', '2024-03', 'feed', 'vi', 1, 0, 0],
      ['infrastructure', '2024-03', 'webhook', 'en', 0, 0, 1],
      ['infrastructure', '2024-03', 'webhook', 'vi', 1, 0, 0],
      ['infrastructure', '2024-04', 'webhook', 'vi', 0, 1, 0],
    ]);
  });

  it('counts an article on two topics under each topic but once in the totals', () => {
    const facts = [deliveryFact({ topics: ['infrastructure', 'ocop-products'] })];

    const report = aggregate(facts);

    expect(report.byTopic.map((t) => [t.topic, t.routed])).toEqual([
      ['infrastructure', 1],
      ['ocop-products', 1],
    ]);
    expect(report.totals.routed).toBe(1);
    expect(report.byChannel[0]?.routed).toBe(1);
  });

  it('tells corrections, withdrawals, pickups and open deliveries apart', () => {
    const facts = [
      deliveryFact({ deliveryId: 'v2', version: 2 }),
      deliveryFact({ deliveryId: 'w', kind: 'withdrawal', status: 'delivered' }),
      deliveryFact({
        deliveryId: 'f',
        channelType: 'feed',
        firstPulledAt: '2024-03-11T00:00:00Z',
        downloads: 3,
      }),
      deliveryFact({ deliveryId: 'r', status: 'retrying' }),
    ];

    const { totals } = aggregate(facts);

    expect(totals).toEqual({
      routed: 3,
      delivered: 2,
      failed: 0,
      discarded: 0,
      open: 1,
      corrections: 1,
      withdrawals: 1,
      firstPulls: 1,
      downloads: 3,
    });
  });

  it('measures approve→delivered over delivered publishes only, median and p95', () => {
    const facts = [1, 2, 3, 4, 100].map((minutes, i) =>
      deliveryFact({
        deliveryId: `d${i}`,
        approvedAt: '2024-03-10T08:00:00.000Z',
        deliveredAt: new Date(Date.parse('2024-03-10T08:00:00.000Z') + minutes * 60_000).toISOString(),
      }),
    );
    facts.push(deliveryFact({ deliveryId: 'x', status: 'failed', deliveredAt: undefined }));

    const { latency } = aggregate(facts);

    expect(latency).toEqual({ samples: 5, medianMs: 3 * 60_000, p95Ms: 100 * 60_000 });
  });

  it('aggregates routing reasons of what was not sent, most frequent first', () => {
    const facts = [
      notSentFact(),
      notSentFact({ articleId: 'b' }),
      notSentFact({ articleId: 'c', reason: 'excluded:language' }),
    ];

    const { notSent, totals } = aggregate(facts);

    expect(notSent).toEqual({
      total: 3,
      byReason: [
        { reason: 'excluded:topic', count: 2 },
        { reason: 'excluded:language', count: 1 },
      ],
    });
    expect(totals.routed).toBe(0);
  });

  it('answers an empty report with zeros and no percentiles', () => {
    const report = aggregate([]);

    expect(report.rows).toEqual([]);
    expect(report.latency).toEqual({ samples: 0, medianMs: null, p95Ms: null });
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 95)).toBe(40);
  });
});

describe('monthsBetween', () => {
  it('lists every month across a year end, both ends included', () => {
    expect(monthsBetween('2024-11-15', '2025-02-01')).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
  });
});
