/**
 * The ops API's one route table: every operator endpoint, in the groups of `routes/`, each change of
 * an agreement recorded (history.ts), and the OpenAPI document that describes this very table.
 */
import { json } from '../http.ts';
import { withAgreementHistory } from './history.ts';
import { openApiDocument } from './openapi.ts';
import type { OpsRoute } from './router.ts';
import { opsRoute } from './router.ts';
import { AGREEMENT_ROUTES } from './routes/agreements.ts';
import { DELIVERY_ROUTES } from './routes/deliveries.ts';
import { JOB_ROUTES } from './routes/jobs.ts';
import { REPORT_ROUTES } from './routes/reports.ts';
import { ROUTING_ROUTES } from './routes/routing.ts';

export const OPS_ROUTES: OpsRoute[] = withAgreementHistory([
  ...AGREEMENT_ROUTES,
  ...DELIVERY_ROUTES,
  ...JOB_ROUTES,
  ...ROUTING_ROUTES,
  ...REPORT_ROUTES,
  // Built on request: the table is complete by then.
  opsRoute('GET /ops/openapi.json', { summary: 'This document' }, async () =>
    json(200, openApiDocument(OPS_ROUTES)),
  ),
]);
