/**
 * Seals settled days into the fact ledger, and compacts closed months: for each agreement, each day of
 * its term that ended at least `afterDays` ago and is not sealed yet is read live (deliveries +
 * routing) and written whole; then each month of the term whose days are all sealed is written as one
 * object and its day objects dropped. Runs daily; what changes after a day is sealed (a late first
 * pull, a download, a held delivery finishing) is not counted (docs/reports.md).
 */
import {
  dayOf,
  daysBetween,
  earlierDay,
  type Fact,
  lastDayOfMonth,
  laterDay,
  monthOf,
  monthsBetween,
  previousDay,
  SEAL_AFTER_DAYS,
} from '#domain/fact.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { ReportPorts } from './agreement-report.ts';
import { mapBounded } from './bounded.ts';
import { digestRouting, liveFacts, type RoutingDigest } from './live-facts.ts';

/** What one run sealed: day objects written, and months written whole (compacted). */
export interface Sealed {
  days: { agreementId: string; day: string; facts: number }[];
  months: { agreementId: string; month: string; facts: number }[];
}

/** The first day that is not settled yet at `now`: every day before it ended `afterDays` ago or more. */
export function sealCutoff(now: Date, afterDays = SEAL_AFTER_DAYS): string {
  return dayOf(new Date(now.getTime() - afterDays * 86_400_000).toISOString());
}

/**
 * Agreements planned and read together: one pass over their due days' routing records serves them all
 * (a day of a national agency's records is thousands of items, each naming thousands of agreements).
 * What a batch holds besides the records' languages and times is small: the topics of its agreements'
 * deliveries (about 500 a day each at 2,000 partners) and their not-sent facts, those on none of their
 * topics counted per day: 200 agreements are some tens of MB.
 */
export const SEAL_BATCH = 200;

/** Ledger listings in flight while a batch is planned. */
const PLAN_CONCURRENCY = 16;

/** What one agreement has to seal this run. */
interface Plan {
  agreement: Agreement;
  ledger: { months: string[]; days: string[] };
  sealedMonths: Set<string>;
  closing: string[];
  due: string[];
}

async function planOf(ports: ReportPorts, a: Agreement, cutoff: string): Promise<Plan | undefined> {
  const ledger = await ports.facts.sealed(a.agreementId);
  const sealedMonths = new Set(ledger.months);
  const sealedDays = new Set(ledger.days);
  const lastSettled = earlierDay(a.validTo, previousDay(cutoff));
  if (lastSettled < a.validFrom) return undefined;
  // A month closes when its last day of the term is settled.
  const closing = monthsBetween(a.validFrom, lastSettled).filter(
    (m) => !sealedMonths.has(m) && earlierDay(lastDayOfMonth(m), a.validTo) <= lastSettled,
  );
  // The settled days of the months not sealed whole (not every day of a five-year term, each run).
  const due = monthsBetween(a.validFrom, lastSettled)
    .filter((m) => !sealedMonths.has(m))
    .flatMap((m) => daysBetween(laterDay(a.validFrom, `${m}-01`), earlierDay(lastDayOfMonth(m), lastSettled)))
    .filter((d) => !sealedDays.has(d));
  return { agreement: a, ledger, sealedMonths, closing, due };
}

/** Seals what is due; returns the days and months sealed. */
export async function sealFacts(ports: ReportPorts, afterDays = SEAL_AFTER_DAYS): Promise<Sealed> {
  const cutoff = sealCutoff(ports.clock.now(), afterDays);
  const out: Sealed = { days: [], months: [] };
  const agreements = await ports.agreements.list();
  for (let i = 0; i < agreements.length; i += SEAL_BATCH) {
    const plans = (
      await mapBounded(agreements.slice(i, i + SEAL_BATCH), PLAN_CONCURRENCY, (a) => planOf(ports, a, cutoff))
    ).filter((p): p is Plan => p !== undefined);
    const firsts = plans.flatMap((p) => p.due.slice(0, 1)).sort();
    const lasts = plans.flatMap((p) => p.due.slice(-1)).sort();
    const from = firsts[0];
    const to = lasts.at(-1);
    // The batch's due days' routing records, read once for all of it.
    const digest =
      from && to
        ? await digestRouting(
            ports.routing,
            plans.filter((p) => p.due.length > 0).map((p) => p.agreement.agreementId),
            from,
            to,
          )
        : undefined;
    for (const plan of plans) await sealOne(ports, plan, digest, out);
  }
  return out;
}

/** Seals one agreement's due days (a closing month's go straight into its object) and drops leftovers. */
async function sealOne(ports: ReportPorts, plan: Plan, digest: RoutingDigest | undefined, out: Sealed) {
  const { agreement: a, ledger, sealedMonths, closing, due } = plan;
  const id = a.agreementId;
  const closingSet = new Set(closing);
  // One pass over the agreement's deliveries created on its due days.
  const byDay = new Map<string, Fact[]>(due.map((d) => [d, []]));
  const first = due[0];
  const last = due.at(-1);
  if (first && last) {
    for (const f of await liveFacts(ports, id, first, last, digest)) byDay.get(dayOf(f.routedAt))?.push(f);
  }
  // Days of a month closing now go straight into the month's object; the others are sealed alone.
  for (const [day, facts] of byDay) {
    if (closingSet.has(monthOf(day))) continue;
    await ports.facts.sealDay(id, day, facts);
    out.days.push({ agreementId: id, day, facts: facts.length });
  }
  for (const month of closing) {
    const days = daysBetween(
      laterDay(a.validFrom, `${month}-01`),
      earlierDay(lastDayOfMonth(month), a.validTo),
    );
    const facts = (await Promise.all(days.map((d) => byDay.get(d) ?? ports.facts.readDay(id, d)))).flat();
    await ports.facts.seal(id, month, facts);
    out.months.push({ agreementId: id, month, facts: facts.length });
    sealedMonths.add(month);
  }
  // Day objects of sealed months: those just compacted, and those a run cut short left behind.
  const leftovers = ledger.days.filter((d) => sealedMonths.has(monthOf(d)));
  if (leftovers.length > 0) await ports.facts.dropDays(id, leftovers);
}
