/**
 * An agreement report from its facts: counts by topic × month × channel × language, totals that
 * count each delivery once, approve→delivered percentiles, and routing's reasons for what was not sent.
 * Pure: the use case (app/agreement-report.ts) gathers the facts.
 */
import type { DeliveryFact, Fact, NotSentFact } from './fact.ts';
import { monthOf } from './fact.ts';

export interface Counts {
  /** Publish deliveries created by routing (one per article version × channel). */
  routed: number;
  delivered: number;
  failed: number;
  discarded: number;
  /** Still pending or retrying. */
  open: number;
  /** Publish deliveries of a version > 1: an update of an article the partner had. */
  corrections: number;
  /** Takedown deliveries (kind `withdrawal`). */
  withdrawals: number;
  /** Feed items a partner pulled at least once. */
  firstPulls: number;
  /** Asset downloads through signed links. */
  downloads: number;
}

interface ReportRow extends Counts {
  topic: string;
  month: string;
  channel: string;
  language: string;
}

interface Latency {
  samples: number;
  medianMs: number | null;
  p95Ms: number | null;
}

interface NotSentRow {
  reason: string;
  count: number;
}

export interface ReportBody {
  rows: ReportRow[];
  totals: Counts;
  byTopic: (Counts & { topic: string })[];
  byMonth: (Counts & { month: string })[];
  byChannel: (Counts & { channel: string })[];
  latency: Latency;
  notSent: { total: number; byReason: NotSentRow[] };
}

export const zeroCounts = (): Counts => ({
  routed: 0,
  delivered: 0,
  failed: 0,
  discarded: 0,
  open: 0,
  corrections: 0,
  withdrawals: 0,
  firstPulls: 0,
  downloads: 0,
});

/** Adds one delivery fact to a tally. */
export function countInto(c: Counts, f: DeliveryFact): void {
  c.downloads += f.downloads;
  if (f.firstPulledAt) c.firstPulls += 1;
  if (f.kind === 'withdrawal') {
    c.withdrawals += 1;
    return;
  }
  c.routed += 1;
  if (f.version > 1) c.corrections += 1;
  if (f.status === 'delivered') c.delivered += 1;
  else if (f.status === 'failed') c.failed += 1;
  else if (f.status === 'discarded') c.discarded += 1;
  else c.open += 1;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

/** Topics a fact is reported under: its matched topics, or `(none)` so it is never lost. */
const topicsOf = (f: Fact) => (f.topics.length > 0 ? f.topics : ['(none)']);

function tallyBy<K extends string>(
  facts: readonly DeliveryFact[],
  keysOf: (f: DeliveryFact) => string[],
  name: K,
): (Counts & Record<K, string>)[] {
  const map = new Map<string, Counts>();
  for (const f of facts)
    for (const k of keysOf(f)) {
      const c = map.get(k) ?? zeroCounts();
      map.set(k, c);
      countInto(c, f);
    }
  return [...map.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, c]) => ({ [name]: k, ...c }) as Counts & Record<K, string>);
}

/**
 * Aggregates facts. An article on two of the agreement's topics counts in each topic's rows, but once
 * in `totals`, `byMonth` and `byChannel`, which therefore reconcile with the delivery items.
 */
export function aggregate(facts: readonly Fact[]): ReportBody {
  const deliveries = facts.filter((f): f is DeliveryFact => f.type === 'delivery');
  const notSent = facts.filter((f): f is NotSentFact => f.type === 'not-sent');
  const rows = tallyBy(
    deliveries,
    (f) => topicsOf(f).map((t) => [t, monthOf(f.routedAt), f.channelType, f.language].join('\u0000')),
    'key',
  ).map(({ key, ...c }) => {
    const [topic = '', month = '', channel = '', language = ''] = key.split('\u0000');
    return { topic, month, channel, language, ...c };
  });
  const totals = zeroCounts();
  for (const f of deliveries) countInto(totals, f);
  const waits = deliveries
    .filter((f) => f.kind === 'publish' && f.status === 'delivered' && f.approvedAt && f.deliveredAt)
    .map((f) => Math.max(0, Date.parse(f.deliveredAt ?? '') - Date.parse(f.approvedAt ?? '')))
    .sort((a, b) => a - b);
  const reasons = new Map<string, number>();
  for (const f of notSent) reasons.set(f.reason, (reasons.get(f.reason) ?? 0) + (f.count ?? 1));
  return {
    rows,
    totals,
    byTopic: tallyBy(deliveries, topicsOf, 'topic'),
    byMonth: tallyBy(deliveries, (f) => [monthOf(f.routedAt)], 'month'),
    byChannel: tallyBy(deliveries, (f) => [f.channelType], 'channel'),
    latency: { samples: waits.length, medianMs: percentile(waits, 50), p95Ms: percentile(waits, 95) },
    notSent: {
      total: notSent.reduce((n, f) => n + (f.count ?? 1), 0),
      byReason: [...reasons.entries()]
        .map(([reason, count]) => ({ reason, count }))
        .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)),
    },
  };
}
