/** Reports: an agreement's, the department's overview, agreements about to expire, and sealing facts now. */
import { type AgreementReport, agreementReport } from '#app/agreement-report.ts';
import { overviewReport } from '#app/overview-report.ts';
import { sealFacts } from '#app/seal-facts.ts';
import { toCsv } from '#formats/report-csv.ts';
import { agreementTables, overviewTables, type Table } from '#formats/report-table.ts';
import { toXlsx } from '#formats/report-xlsx.ts';
import { ExpiringQuery, type ReportFormat, ReportQuery } from '#schemas/report.ts';
import type { Deps } from '../deps.ts';
import { type HttpResponse, json } from '../http.ts';
import { type OpsRoute, opsRoute, parseQuery } from './route.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The report in the format asked for; `name` becomes the download's file name. */
async function render(
  format: ReportFormat,
  name: string,
  body: unknown,
  tables: Table[],
  title: string[][],
): Promise<HttpResponse> {
  if (format === 'json') return json(200, body);
  const headers = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };
  if (format === 'csv') {
    return {
      statusCode: 200,
      headers: {
        ...headers,
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}.csv"`,
      },
      body: toCsv(tables[0] ?? { name, header: [], rows: [] }),
    };
  }
  return {
    statusCode: 200,
    headers: {
      ...headers,
      'content-type': XLSX_TYPE,
      'content-disposition': `attachment; filename="${name}.xlsx"`,
    },
    body: (await toXlsx(title, tables)).toString('base64'),
    isBase64Encoded: true,
  };
}

const titleOf = (r: AgreementReport) => [
  ['agreement', r.agreement.agreementId],
  ['partner', r.agreement.partner.name],
  ['term', `${r.agreement.validFrom}..${r.agreement.validTo}`],
  ['period', `${r.period.from}..${r.period.to}`],
  ['generatedAt', r.generatedAt],
];

const portsOf = (deps: Deps) => ({
  agreements: deps.agreements,
  deliveries: deps.deliveries,
  routing: deps.routing,
  facts: deps.facts,
  clock: deps.clock,
});

export const REPORT_ROUTES: OpsRoute[] = [
  opsRoute('GET', '/ops/agreements/{id}/report', async (deps, e, p) => {
    const q = parseQuery(e, ReportQuery);
    const r = await agreementReport(portsOf(deps), p.id ?? '', q);
    const name = `${r.agreement.agreementId}_${r.period.from}_${r.period.to}`;
    return render(q.format, name, r, agreementTables(r), titleOf(r));
  }),
  opsRoute('GET', '/ops/reports/overview', async (deps, e) => {
    const q = parseQuery(e, ReportQuery);
    const o = await overviewReport(portsOf(deps), q);
    const title = [
      ['overview', `${o.period.from}..${o.period.to}`],
      ['generatedAt', o.generatedAt],
    ];
    return render(q.format, `overview_${o.period.from}_${o.period.to}`, o, overviewTables(o), title);
  }),
  opsRoute('GET', '/ops/reports/expiring', async (deps, e) => {
    const { days } = parseQuery(e, ExpiringQuery);
    const now = deps.clock.now();
    const today = now.toISOString().slice(0, 10);
    const until = new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10);
    const items = (await deps.agreements.list())
      .filter((a) => a.status !== 'expired' && a.validTo >= today && a.validTo <= until)
      .sort((a, b) => (a.validTo < b.validTo ? -1 : 1))
      .map((a) => ({ agreementId: a.agreementId, partner: a.partner, status: a.status, validTo: a.validTo }));
    return json(200, { days, until, items });
  }),
  opsRoute('POST', '/ops/reports/seal', async (deps) =>
    json(200, { sealed: await sealFacts(portsOf(deps)) }),
  ),
];
