/** Health and reports: an agreement's, the overview, agreements about to expire, sealing facts now. */
import { type AgreementReport, agreementReport } from '#app/agreement-report.ts';
import { agreementHealth } from '#app/ops/health.ts';
import { expiringAgreements, reportPorts } from '#app/ops/reports.ts';
import { HealthQuery } from '#app/ops/schemas.ts';
import { overviewReport } from '#app/overview-report.ts';
import { sealFacts } from '#app/seal-facts.ts';
import { toCsv } from '#formats/report-csv.ts';
import { agreementTables, overviewTables, type Table } from '#formats/report-table.ts';
import { toXlsx } from '#formats/report-xlsx.ts';
import { ExpiringQuery, type ReportFormat, ReportQuery } from '#schemas/report.ts';
import { type HttpResponse, json, parseQuery } from '../../http.ts';
import { type OpsRoute, opsRoute } from '../router.ts';

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

export const REPORT_ROUTES: OpsRoute[] = [
  opsRoute(
    'GET /ops/health',
    { summary: 'Per agreement: delivered, retrying, failed', query: HealthQuery },
    async (deps, e) => json(200, await agreementHealth(deps, parseQuery(e, HealthQuery).hours)),
  ),
  opsRoute(
    'GET /ops/agreements/{id}/report',
    {
      summary: 'An agreement’s report by topic × month × channel × language (json, csv, xlsx)',
      query: ReportQuery,
    },
    async (deps, e, p) => {
      const q = parseQuery(e, ReportQuery);
      const r = await agreementReport(reportPorts(deps), p.id ?? '', q);
      const name = `${r.agreement.agreementId}_${r.period.from}_${r.period.to}`;
      return render(q.format, name, r, agreementTables(r), titleOf(r));
    },
  ),
  opsRoute(
    'GET /ops/reports/overview',
    { summary: 'Every agreement side by side for a period', query: ReportQuery },
    async (deps, e) => {
      const q = parseQuery(e, ReportQuery);
      const o = await overviewReport(reportPorts(deps), q);
      const title = [
        ['overview', `${o.period.from}..${o.period.to}`],
        ['generatedAt', o.generatedAt],
      ];
      return render(q.format, `overview_${o.period.from}_${o.period.to}`, o, overviewTables(o), title);
    },
  ),
  opsRoute(
    'GET /ops/reports/expiring',
    { summary: 'Agreements whose term ends within `days`', query: ExpiringQuery },
    async (deps, e) => json(200, await expiringAgreements(deps, parseQuery(e, ExpiringQuery).days)),
  ),
  opsRoute(
    'POST /ops/reports/seal',
    { summary: 'Seal the fact ledger’s due days and compact its closed months now' },
    async (deps) => json(200, { sealed: await sealFacts(reportPorts(deps)) }),
  ),
];
