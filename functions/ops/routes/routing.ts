/** Routing: the records of where an article went, why (or why not), and a preview without sending. */
import { explainRouting, previewRoute } from '#app/ops/explain.ts';
import { RoutePreviewInput, WhyQuery } from '#app/ops/schemas.ts';
import { HttpError, json, parseBody, parseQuery } from '../../http.ts';
import { type OpsRoute, opsRoute } from '../router.ts';

export const ROUTING_ROUTES: OpsRoute[] = [
  opsRoute(
    'GET /ops/articles/{id}/routing',
    { summary: 'An article’s routing records', page: true },
    async (deps, _e, p) => json(200, { items: await deps.routing.list(p.id ?? '') }),
  ),
  opsRoute(
    'GET /ops/articles/{id}/routing/{version}',
    { summary: 'Why a version went, or did not go, to each agreement' },
    async (deps, _e, p) => {
      const record = await deps.routing.get(p.id ?? '', Number(p.version));
      if (!record) throw new HttpError(404, `no routing recorded for ${p.id} version ${p.version}`);
      return json(200, record);
    },
  ),
  opsRoute(
    'GET /ops/articles/{id}/why',
    { summary: 'Why an article went, or did not go, to one agreement', query: WhyQuery },
    async (deps, e, p) => {
      const q = parseQuery(e, WhyQuery);
      return json(200, await explainRouting(deps, p.id ?? '', q.agreementId, q.version));
    },
  ),
  opsRoute(
    'POST /ops/route-preview',
    { summary: 'Where an article would go, without sending it', body: RoutePreviewInput },
    async (deps, e) => json(200, await previewRoute(deps, parseBody(e, RoutePreviewInput))),
  ),
  opsRoute(
    'GET /ops/rejections',
    { summary: 'Bus events refused, with the field at fault', page: true },
    async (deps) => json(200, { items: await deps.rejections.list(100) }),
  ),
];
