/**
 * Commitments: an agreement's target per topic and period ("at least six OCOP items a quarter"),
 * and the progress a set of facts shows against it. Pure: no I/O, no clock but the one passed in.
 */
import type { DeliveryFact } from './fact.ts';

const COMMITMENT_PERIOD = { month: 'month', quarter: 'quarter', year: 'year', term: 'term' } as const;
type CommitmentPeriod = (typeof COMMITMENT_PERIOD)[keyof typeof COMMITMENT_PERIOD];

interface Commitment {
  topic: string;
  per: CommitmentPeriod;
  atLeast: number;
}

/** One period of one commitment: counted items, and whether it is met, short, or still open. */
interface CommitmentPeriodProgress {
  period: string;
  from: string;
  to: string;
  count: number;
  state: 'met' | 'short' | 'open';
  shortfall: number;
}

export interface CommitmentProgress extends Commitment {
  periods: CommitmentPeriodProgress[];
  met: number;
  short: number;
  open: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The calendar periods of kind `per` that overlap `[from, to]` (days), each clipped to it. */
export function periodsOf(per: CommitmentPeriod, from: string, to: string) {
  if (per === 'term') return [{ period: 'term', from, to }];
  const months = per === 'month' ? 1 : per === 'quarter' ? 3 : 12;
  const out: { period: string; from: string; to: string }[] = [];
  let y = Number(from.slice(0, 4));
  let m = Math.floor((Number(from.slice(5, 7)) - 1) / months) * months + 1;
  for (;;) {
    const endM = m + months - 1;
    const start = `${y}-${pad(m)}-01`;
    const end = `${y}-${pad(endM)}-${pad(lastDay(y, endM))}`;
    if (start > to) return out;
    const label =
      per === 'month' ? `${y}-${pad(m)}` : per === 'quarter' ? `${y}-Q${(m - 1) / 3 + 1}` : `${y}`;
    out.push({ period: label, from: start < from ? from : start, to: end > to ? to : end });
    m += months;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
}

/**
 * What counts toward a commitment: distinct articles on the topic delivered (first delivery on any
 * channel) in the period. Corrections, translations of the same article id and takedowns do not add.
 */
function firstDeliveries(facts: readonly DeliveryFact[], topic: string): Map<string, string> {
  const first = new Map<string, string>();
  for (const f of facts) {
    if (f.kind !== 'publish' || f.status !== 'delivered' || !f.topics.includes(topic)) continue;
    const day = (f.deliveredAt ?? f.routedAt).slice(0, 10);
    const seen = first.get(f.articleId);
    if (!seen || day < seen) first.set(f.articleId, day);
  }
  return first;
}

/** Progress of each commitment over `[from, to]`; periods ending after `today` are `open`. */
export function commitmentProgress(
  commitments: readonly Commitment[],
  facts: readonly DeliveryFact[],
  from: string,
  to: string,
  today: string,
): CommitmentProgress[] {
  return commitments.map((c) => {
    const days = [...firstDeliveries(facts, c.topic).values()];
    const periods = periodsOf(c.per, from, to).map((p): CommitmentPeriodProgress => {
      const count = days.filter((d) => d >= p.from && d <= p.to).length;
      const state = count >= c.atLeast ? 'met' : p.to >= today ? 'open' : 'short';
      return { ...p, count, state, shortfall: Math.max(0, c.atLeast - count) };
    });
    const tally = (s: CommitmentPeriodProgress['state']) => periods.filter((p) => p.state === s).length;
    return { ...c, periods, met: tally('met'), short: tally('short'), open: tally('open') };
  });
}
