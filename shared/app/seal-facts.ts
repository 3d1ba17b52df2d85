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
import type { ReportPorts } from './agreement-report.ts';
import { liveFacts } from './live-facts.ts';

/** What one run sealed: day objects written, and months written whole (compacted). */
export interface Sealed {
  days: { agreementId: string; day: string; facts: number }[];
  months: { agreementId: string; month: string; facts: number }[];
}

/** The first day that is not settled yet at `now`: every day before it ended `afterDays` ago or more. */
export function sealCutoff(now: Date, afterDays = SEAL_AFTER_DAYS): string {
  return dayOf(new Date(now.getTime() - afterDays * 86_400_000).toISOString());
}

/** Seals what is due; returns the days and months sealed. */
export async function sealFacts(ports: ReportPorts, afterDays = SEAL_AFTER_DAYS): Promise<Sealed> {
  const cutoff = sealCutoff(ports.clock.now(), afterDays);
  const out: Sealed = { days: [], months: [] };
  for (const a of await ports.agreements.list()) {
    const id = a.agreementId;
    const ledger = await ports.facts.sealed(id);
    const sealedMonths = new Set(ledger.months);
    const sealedDays = new Set(ledger.days);
    const lastSettled = earlierDay(a.validTo, previousDay(cutoff));
    if (lastSettled < a.validFrom) continue;
    // A month closes when its last day of the term is settled.
    const closing = monthsBetween(a.validFrom, lastSettled).filter(
      (m) => !sealedMonths.has(m) && earlierDay(lastDayOfMonth(m), a.validTo) <= lastSettled,
    );
    const closingSet = new Set(closing);
    const due = daysBetween(a.validFrom, lastSettled).filter(
      (d) => !sealedMonths.has(monthOf(d)) && !sealedDays.has(d),
    );

    // One pass over the agreement's deliveries for every due day (the index is newest first, so the
    // pass walks the days not settled yet too).
    const byDay = new Map<string, Fact[]>(due.map((d) => [d, []]));
    const first = due[0];
    const last = due.at(-1);
    if (first && last) {
      for (const f of await liveFacts(ports, id, first, last)) byDay.get(dayOf(f.routedAt))?.push(f);
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
  return out;
}
