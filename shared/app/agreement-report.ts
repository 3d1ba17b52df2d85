/**
 * The agreement report use case: the period (default: the term), facts from the sealed ledger for
 * sealed months and days and from live deliveries for the rest, aggregated, with commitments' progress.
 */
import { type CommitmentProgress, commitmentProgress } from '#domain/commitment.ts';
import { InvalidInputError, NotFoundError } from '#domain/errors.ts';
import { type DeliveryFact, dayOf, daysBetween, type Fact, monthOf, monthsBetween } from '#domain/fact.ts';
import { aggregate, type ReportBody } from '#domain/report.ts';
import type { AgreementStore } from '#ports/agreement-store.ts';
import type { Clock } from '#ports/clock.ts';
import type { FactLedger } from '#ports/fact-store.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { type LivePorts, liveFacts } from './live-facts.ts';

export interface ReportPorts extends LivePorts {
  agreements: Pick<AgreementStore, 'get' | 'list'>;
  facts: FactLedger;
  clock: Clock;
}

export interface AgreementReport extends ReportBody {
  agreement: {
    agreementId: string;
    partner: Agreement['partner'];
    status: Agreement['status'];
    validFrom: string;
    validTo: string;
    topics: string[];
  };
  period: { from: string; to: string };
  commitments: CommitmentProgress[];
  /**
   * Where the facts came from: months read whole from the ledger (`sealed`), days of other months read
   * from the ledger one by one (`sealedDays`), and months with at least one day read live (`live`); a
   * month partly sealed is in `live` and its sealed days in `sealedDays`.
   */
  sources: FactSources;
  generatedAt: string;
}

/** The period asked for, or the term; both ends must lie within the term. */
function periodWithin(agreement: Agreement, from?: string, to?: string): { from: string; to: string } {
  const period = { from: from ?? agreement.validFrom, to: to ?? agreement.validTo };
  const problems: string[] = [];
  if (period.from > period.to) problems.push(`from: ${period.from} is after to ${period.to}`);
  if (period.from < agreement.validFrom || period.from > agreement.validTo)
    problems.push(`from: ${period.from} is outside the term ${agreement.validFrom}..${agreement.validTo}`);
  if (period.to < agreement.validFrom || period.to > agreement.validTo)
    problems.push(`to: ${period.to} is outside the term ${agreement.validFrom}..${agreement.validTo}`);
  if (problems.length > 0) throw new InvalidInputError('invalid period', problems);
  return period;
}

export interface FactSources {
  sealed: string[];
  sealedDays: string[];
  live: string[];
}

/**
 * Every fact of the agreement routed within `[from, to]`, each once: months sealed whole from their
 * ledger object, sealed days of the other months from theirs, the remaining days live (a live fact
 * of a sealed day is dropped: the ledger has it, as it was when the day was sealed).
 */
export async function factsFor(
  ports: Pick<ReportPorts, 'deliveries' | 'routing' | 'facts'>,
  agreementId: string,
  from: string,
  to: string,
): Promise<{ facts: Fact[] } & FactSources> {
  const ledger = await ports.facts.sealed(agreementId);
  const monthsAll = new Set(ledger.months);
  const daysAll = new Set(ledger.days);
  const isSealed = (day: string) => monthsAll.has(monthOf(day)) || daysAll.has(day);
  const sealed = monthsBetween(from, to).filter((m) => monthsAll.has(m));
  const days = daysBetween(from, to).filter((d) => !monthsAll.has(monthOf(d)));
  const sealedDays = days.filter((d) => daysAll.has(d));
  const liveDays = days.filter((d) => !daysAll.has(d));
  const live = [...new Set(liveDays.map(monthOf))];
  const [ofMonths, ofDays, fromTable] = await Promise.all([
    Promise.all(sealed.map((m) => ports.facts.read(agreementId, m))),
    Promise.all(sealedDays.map((d) => ports.facts.readDay(agreementId, d))),
    liveDays[0] ? liveFacts(ports, agreementId, liveDays[0], to) : [],
  ]);
  const inPeriod = (f: Fact) => dayOf(f.routedAt) >= from && dayOf(f.routedAt) <= to;
  return {
    facts: [
      ...ofMonths.flat().filter(inPeriod),
      ...ofDays.flat(),
      ...fromTable.filter((f) => !isSealed(dayOf(f.routedAt))),
    ],
    sealed,
    sealedDays,
    live,
  };
}

/** Builds the report of one agreement; unknown agreement → NotFoundError, bad period → InvalidInputError. */
export async function agreementReport(
  ports: ReportPorts,
  agreementId: string,
  query: { from?: string; to?: string },
  onProgress?: (done: number, total: number) => void,
): Promise<AgreementReport> {
  const agreement = await ports.agreements.get(agreementId);
  if (!agreement) throw new NotFoundError(`agreement ${agreementId} not found`);
  const period = periodWithin(agreement, query.from, query.to);
  onProgress?.(0, 2);
  const { facts, ...sources } = await factsFor(ports, agreementId, period.from, period.to);
  onProgress?.(1, 2);
  const now = ports.clock.now();
  const deliveries = facts.filter((f): f is DeliveryFact => f.type === 'delivery');
  const report: AgreementReport = {
    agreement: {
      agreementId: agreement.agreementId,
      partner: agreement.partner,
      status: agreement.status,
      validFrom: agreement.validFrom,
      validTo: agreement.validTo,
      topics: agreement.topics,
    },
    period,
    ...aggregate(facts),
    commitments: commitmentProgress(
      agreement.commitments ?? [],
      deliveries,
      period.from,
      period.to,
      now.toISOString().slice(0, 10),
    ),
    sources,
    generatedAt: now.toISOString(),
  };
  onProgress?.(2, 2);
  return report;
}
