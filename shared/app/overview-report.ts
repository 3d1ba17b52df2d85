/** The department's overview: every agreement whose term overlaps a period, side by side, per topic. */
import { InvalidInputError } from '#domain/errors.ts';
import { type DeliveryFact, earlierDay, laterDay } from '#domain/fact.ts';
import { type Counts, countInto, zeroCounts } from '#domain/report.ts';
import { factsFor, type ReportPorts } from './agreement-report.ts';
import { mapBounded } from './bounded.ts';

interface OverviewRow extends Counts {
  agreementId: string;
  partnerId: string;
  partnerName: string;
  status: string;
  topic: string;
}

export interface Overview {
  period: { from: string; to: string };
  agreements: { agreementId: string; partnerName: string; status: string; validTo: string; totals: Counts }[];
  rows: OverviewRow[];
  generatedAt: string;
}

/** Default period: the current calendar year. */
export async function overviewReport(
  ports: ReportPorts,
  query: { from?: string; to?: string },
  onProgress?: (done: number, total: number) => void,
): Promise<Overview> {
  const now = ports.clock.now();
  const year = now.toISOString().slice(0, 4);
  const period = { from: query.from ?? `${year}-01-01`, to: query.to ?? `${year}-12-31` };
  if (period.from > period.to)
    throw new InvalidInputError('invalid period', [`from: ${period.from} is after to ${period.to}`]);
  const all = (await ports.agreements.list()).filter(
    (a) => a.validFrom <= period.to && a.validTo >= period.from,
  );
  let done = 0;
  const per = await mapBounded(all, 4, async (a) => {
    const from = laterDay(a.validFrom, period.from);
    const to = earlierDay(a.validTo, period.to);
    const { facts } = await factsFor(ports, a.agreementId, from, to);
    onProgress?.(++done, all.length);
    const totals = zeroCounts();
    const byTopic = new Map<string, Counts>();
    for (const f of facts) {
      if (f.type !== 'delivery') continue;
      countInto(totals, f);
      for (const t of topicsOf(f)) {
        const c = byTopic.get(t) ?? zeroCounts();
        byTopic.set(t, c);
        countInto(c, f);
      }
    }
    const rows = [...byTopic.entries()]
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([topic, c]) => ({
        agreementId: a.agreementId,
        partnerId: a.partner.partnerId,
        partnerName: a.partner.name,
        status: a.status,
        topic,
        ...c,
      }));
    return {
      summary: {
        agreementId: a.agreementId,
        partnerName: a.partner.name,
        status: a.status,
        validTo: a.validTo,
        totals,
      },
      rows,
    };
  });
  return {
    period,
    agreements: per.map((p) => p.summary),
    rows: per.flatMap((p) => p.rows),
    generatedAt: now.toISOString(),
  };
}

const topicsOf = (f: DeliveryFact) => (f.topics.length > 0 ? f.topics : ['(none)']);
