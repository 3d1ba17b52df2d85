/**
 * The agreement report use case: the period (default: the term), facts from the sealed ledger for
 * closed months and from live deliveries for the rest, aggregated, with commitments' progress.
 */
import { type CommitmentProgress, commitmentProgress } from '#domain/commitment.ts';
import { InvalidInputError, NotFoundError } from '#domain/errors.ts';
import { type DeliveryFact, type Fact, laterDay, monthOf, monthsBetween } from '#domain/fact.ts';
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
  /** Months read from the sealed ledger, and from live deliveries. */
  sources: { sealed: string[]; live: string[] };
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

/** Every fact of the agreement routed within `[from, to]`: sealed months from the ledger, the rest live. */
export async function factsFor(
  ports: Pick<ReportPorts, 'deliveries' | 'routing' | 'facts'>,
  agreementId: string,
  from: string,
  to: string,
): Promise<{ facts: Fact[]; sealed: string[]; live: string[] }> {
  const months = monthsBetween(from, to);
  const sealedAll = new Set(await ports.facts.sealedMonths(agreementId));
  const sealed = months.filter((m) => sealedAll.has(m));
  const live = months.filter((m) => !sealedAll.has(m));
  const fromLedger = (await Promise.all(sealed.map((m) => ports.facts.read(agreementId, m)))).flat();
  const fromTable =
    live.length > 0
      ? (await liveFacts(ports, agreementId, laterDay(from, `${live[0]}-01`), to)).filter(
          (f) => !sealedAll.has(monthOf(f.routedAt)),
        )
      : [];
  const inPeriod = (f: Fact) => f.routedAt.slice(0, 10) >= from && f.routedAt.slice(0, 10) <= to;
  return { facts: [...fromLedger.filter(inPeriod), ...fromTable], sealed, live };
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
  const { facts, sealed, live } = await factsFor(ports, agreementId, period.from, period.to);
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
    sources: { sealed, live },
    generatedAt: now.toISOString(),
  };
  onProgress?.(2, 2);
  return report;
}
