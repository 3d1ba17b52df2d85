/**
 * Seals closed months into the fact ledger: for each agreement, each month of its term that ended at
 * least `afterDays` ago and is not sealed yet is read live (deliveries + routing) and written whole.
 * Runs daily; pulls and downloads after a month is sealed are not counted (docs/reports.md).
 */
import { monthOf, monthsBetween, SEAL_AFTER_DAYS } from '#domain/fact.ts';
import type { ReportPorts } from './agreement-report.ts';
import { liveFacts } from './live-facts.ts';

const lastDayOf = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y ?? 0, m ?? 1, 0)).toISOString().slice(0, 10);
};

/** Seals what is due; returns the months sealed per agreement. */
export async function sealFacts(
  ports: ReportPorts,
  afterDays = SEAL_AFTER_DAYS,
): Promise<{ agreementId: string; month: string; facts: number }[]> {
  const cutoff = new Date(ports.clock.now().getTime() - afterDays * 86_400_000).toISOString().slice(0, 10);
  const sealed: { agreementId: string; month: string; facts: number }[] = [];
  for (const a of await ports.agreements.list()) {
    const done = new Set(await ports.facts.sealedMonths(a.agreementId));
    const due = monthsBetween(a.validFrom, a.validTo).filter((m) => !done.has(m) && lastDayOf(m) < cutoff);
    const first = due[0];
    const last = due.at(-1);
    if (!first || !last) continue;
    // One pass over the agreement's deliveries for every due month (the index is newest first, so
    // each pass walks the recent, unsealed weeks too: about two reads per delivery over its life).
    const facts = await liveFacts(ports, a.agreementId, `${first}-01`, lastDayOf(last));
    for (const month of due) {
      const ofMonth = facts.filter((f) => monthOf(f.routedAt) === month);
      await ports.facts.seal(a.agreementId, month, ofMonth);
      sealed.push({ agreementId: a.agreementId, month, facts: ofMonth.length });
    }
  }
  return sealed;
}
