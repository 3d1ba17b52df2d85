/** Every operator endpoint added for issue 6; ops-routes.ts spreads these ahead of its own. */

import { HISTORY_ROUTES } from './agreement-history.ts';
import { AGREEMENT_ROUTES } from './agreements.ts';
import { BACKFILL_ROUTES } from './backfill.ts';
import { REPLAY_ROUTES } from './bulk-replay.ts';
import { CATCH_UP_ROUTES } from './catch-up.ts';
import { DELIVERY_ROUTES } from './deliveries.ts';
import { EXPLAIN_ROUTES } from './explain.ts';
import { HEALTH_ROUTES } from './health.ts';
import { REPORT_ROUTES } from './reports.ts';
import type { OpsRoute } from './route.ts';

export const OPERATOR_ROUTES: OpsRoute[] = [
  ...AGREEMENT_ROUTES,
  ...DELIVERY_ROUTES,
  ...REPLAY_ROUTES,
  ...CATCH_UP_ROUTES,
  ...BACKFILL_ROUTES,
  ...EXPLAIN_ROUTES,
  ...HEALTH_ROUTES,
  ...REPORT_ROUTES,
  ...HISTORY_ROUTES,
];
