/**
 * `loa report agreement ID` and `loa report overview`: the report from the ops API (JSON), printed as
 * tables, or rendered here as CSV (UTF-8 with BOM) or XLSX by the same writers the API uses.
 */
import { writeFile } from 'node:fs/promises';
import type { AgreementReport } from '#app/agreement-report.ts';
import type { Overview } from '#app/overview-report.ts';
import { toCsv } from '#formats/report-csv.ts';
import { agreementTables, overviewTables, type Table } from '#formats/report-table.ts';
import { toXlsx } from '#formats/report-xlsx.ts';
import { CliError, EXIT } from '../client.ts';
import { type Command, type Context, need, type Output } from '../command.ts';
import { fields, table } from '../format.ts';

const FORMATS = ['table', 'csv', 'xlsx', 'json'] as const;
type Format = (typeof FORMATS)[number];

const options = {
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

function formatOf(ctx: Context): Format {
  const v = ctx.values.format ?? 'table';
  if (typeof v !== 'string' || !(FORMATS as readonly string[]).includes(v))
    throw new CliError(`--format ${String(v)}: must be one of ${FORMATS.join(', ')}`, EXIT.usage);
  return v as Format;
}

function query(ctx: Context): string {
  const q = new URLSearchParams();
  for (const k of ['from', 'to'] as const) {
    const v = ctx.values[k];
    if (typeof v === 'string') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Three steps, shown on stderr: asked, received, written. */
const step = (ctx: Context, done: number) =>
  ctx.progress({ status: done < 3 ? 'running' : 'done', total: 3, done, skipped: 0 });

/** Renders, and writes to `-o FILE` when given (XLSX must go to a file). */
async function emit(
  ctx: Context,
  format: Format,
  body: unknown,
  tables: Table[],
  title: string[][],
  human: () => string,
): Promise<Output> {
  const file = typeof ctx.values.output === 'string' ? ctx.values.output : undefined;
  if (format === 'xlsx' && !file) throw new CliError('--format xlsx needs -o FILE', EXIT.usage);
  const data =
    format === 'xlsx'
      ? await toXlsx(title, tables)
      : format === 'csv'
        ? toCsv(tables[0] ?? { name: '', header: [], rows: [] })
        : format === 'json'
          ? `${JSON.stringify(body, null, 2)}\n`
          : `${human()}\n`;
  step(ctx, 2);
  if (file) {
    await writeFile(file, data);
    step(ctx, 3);
    return { json: body, human: `wrote ${file} (${format}, ${tables[0]?.rows.length ?? 0} rows)` };
  }
  step(ctx, 3);
  return { json: body, human: String(data).replace(/\n$/, '') };
}

function agreementHuman(r: AgreementReport): string {
  const head = fields({
    agreement: r.agreement.agreementId,
    partner: r.agreement.partner.name,
    term: `${r.agreement.validFrom} → ${r.agreement.validTo}`,
    period: `${r.period.from} → ${r.period.to}`,
    'approve→delivered': `median ${ms(r.latency.medianMs)}  p95 ${ms(r.latency.p95Ms)}  (${r.latency.samples})`,
    'not sent': r.notSent.byReason.map((x) => `${x.reason} ${x.count}`).join(', ') || '0',
  });
  const counts = {
    ROUTED: (c: AgreementReport['totals']) => c.routed,
    DELIVERED: (c: AgreementReport['totals']) => c.delivered,
    FAILED: (c: AgreementReport['totals']) => c.failed,
    DISCARDED: (c: AgreementReport['totals']) => c.discarded,
    CORRECTIONS: (c: AgreementReport['totals']) => c.corrections,
    WITHDRAWALS: (c: AgreementReport['totals']) => c.withdrawals,
    PULLED: (c: AgreementReport['totals']) => c.firstPulls,
    DOWNLOADS: (c: AgreementReport['totals']) => c.downloads,
  };
  const topics = table([...r.byTopic, { topic: 'TOTAL', ...r.totals }], {
    TOPIC: (t: { topic: string }) => t.topic,
    ...counts,
  });
  const commitments = r.commitments.length
    ? `\n\n${table(
        r.commitments.flatMap((c) => c.periods.map((p) => ({ ...p, c }))),
        {
          COMMITMENT: (x) => `${x.c.topic} ≥ ${x.c.atLeast}/${x.c.per}`,
          PERIOD: (x) => x.period,
          COUNT: (x) => x.count,
          STATE: (x) => x.state,
          SHORT: (x) => x.shortfall || '',
        },
      )}`
    : '';
  return `${head}\n\n${topics}${commitments}`;
}

const ms = (v: number | null) => (v === null ? '–' : v < 10_000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);

export const REPORT_COMMANDS: Command[] = [
  {
    path: ['report', 'agreement'],
    summary:
      'what an agreement produced over a period (default: its term): by topic, month, channel; --format table|csv|xlsx|json, -o FILE',
    args: ['agreementId'],
    options,
    async run(ctx) {
      const id = need(ctx, 0, 'agreementId');
      const format = formatOf(ctx);
      step(ctx, 0);
      const r = (await ctx.api.request(
        'GET',
        `/ops/agreements/${encodeURIComponent(id)}/report${query(ctx)}`,
      )) as AgreementReport;
      step(ctx, 1);
      const title = [
        ['agreement', r.agreement.agreementId],
        ['partner', r.agreement.partner.name],
        ['period', `${r.period.from}..${r.period.to}`],
      ];
      return emit(ctx, format, r, agreementTables(r), title, () => agreementHuman(r));
    },
  },
  {
    path: ['report', 'overview'],
    summary: 'every agreement side by side for a period (default: this year), per partner and topic',
    options,
    async run(ctx) {
      const format = formatOf(ctx);
      step(ctx, 0);
      const o = (await ctx.api.request('GET', `/ops/reports/overview${query(ctx)}`)) as Overview;
      step(ctx, 1);
      const human = () =>
        table(o.rows, {
          AGREEMENT: (x) => x.agreementId,
          PARTNER: (x) => x.partnerName,
          TOPIC: (x) => x.topic,
          ROUTED: (x) => x.routed,
          DELIVERED: (x) => x.delivered,
          FAILED: (x) => x.failed,
          PULLED: (x) => x.firstPulls,
        });
      const title = [['overview', `${o.period.from}..${o.period.to}`]];
      return emit(ctx, format, o, overviewTables(o), title, human);
    },
  },
  {
    path: ['report', 'expiring'],
    summary: 'agreements whose term ends within --days (default 30)',
    options: { days: { type: 'string' } },
    async run(ctx) {
      const days = typeof ctx.values.days === 'string' ? `?days=${encodeURIComponent(ctx.values.days)}` : '';
      const out = (await ctx.api.request('GET', `/ops/reports/expiring${days}`)) as {
        items: { agreementId: string; partner: { name: string }; status: string; validTo: string }[];
      };
      return {
        json: out,
        human: table(out.items, {
          AGREEMENT: (a) => a.agreementId,
          PARTNER: (a) => a.partner.name,
          STATUS: (a) => a.status,
          'ENDS ON': (a) => a.validTo,
        }),
      };
    },
  },
];
