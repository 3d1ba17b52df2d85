/** The report's tables as header + rows of cells, shared by the CSV and XLSX writers and the CLI. */
import type { AgreementReport } from '#app/agreement-report.ts';
import type { Overview } from '#app/overview-report.ts';
import type { Counts } from '#domain/report.ts';

export type Cell = string | number;
export interface Table {
  name: string;
  header: string[];
  rows: Cell[][];
}

const COUNT_COLUMNS: (keyof Counts)[] = [
  'routed',
  'delivered',
  'failed',
  'discarded',
  'open',
  'corrections',
  'withdrawals',
  'firstPulls',
  'downloads',
];
const counts = (c: Counts): number[] => COUNT_COLUMNS.map((k) => c[k]);

/** Every table of an agreement report: rows (topic × month × channel × language) first. */
export function agreementTables(r: AgreementReport): Table[] {
  return [
    {
      name: 'rows',
      header: ['topic', 'month', 'channel', 'language', ...COUNT_COLUMNS],
      rows: r.rows.map((x) => [x.topic, x.month, x.channel, x.language, ...counts(x)]),
    },
    {
      name: 'topics',
      header: ['topic', ...COUNT_COLUMNS],
      rows: r.byTopic.map((x) => [x.topic, ...counts(x)]),
    },
    { name: 'totals', header: ['total', ...COUNT_COLUMNS], rows: [['all', ...counts(r.totals)]] },
    {
      name: 'commitments',
      header: ['topic', 'per', 'atLeast', 'period', 'from', 'to', 'count', 'state', 'shortfall'],
      rows: r.commitments.flatMap((c) =>
        c.periods.map((p) => [
          c.topic,
          c.per,
          c.atLeast,
          p.period,
          p.from,
          p.to,
          p.count,
          p.state,
          p.shortfall,
        ]),
      ),
    },
    {
      name: 'not-sent',
      header: ['reason', 'count'],
      rows: r.notSent.byReason.map((x) => [x.reason, x.count]),
    },
    {
      name: 'latency',
      header: ['samples', 'medianMs', 'p95Ms'],
      rows: [[r.latency.samples, r.latency.medianMs ?? '', r.latency.p95Ms ?? '']],
    },
  ];
}

/** The overview's table: agreement × topic. */
export function overviewTables(o: Overview): Table[] {
  return [
    {
      name: 'overview',
      header: ['agreementId', 'partnerId', 'partner', 'status', 'topic', ...COUNT_COLUMNS],
      rows: o.rows.map((x) => [x.agreementId, x.partnerId, x.partnerName, x.status, x.topic, ...counts(x)]),
    },
  ];
}
