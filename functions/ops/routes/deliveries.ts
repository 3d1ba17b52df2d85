/** Deliveries: by filter, one, its attempts, the replay of one, and everywhere an article went. */
import { deliveryAttempts, findDeliveries, getDelivery } from '#app/ops/deliveries.ts';
import { DeliveryQuery, ReplayOneInput } from '#app/ops/schemas.ts';
import { replayDelivery } from '#app/replay-delivery.ts';
import { json, optionalBody, parseBody, parseQuery } from '../../http.ts';
import { locatedSuccess } from '../openapi.ts';
import { located, type OpsRoute, opsRoute } from '../router.ts';

export const DELIVERY_ROUTES: OpsRoute[] = [
  opsRoute(
    'GET /ops/deliveries',
    { summary: 'Deliveries by filter, across agreements', query: DeliveryQuery, page: true },
    async (deps, e) => {
      const { limit, cursor, ...filter } = parseQuery(e, DeliveryQuery);
      return json(200, await findDeliveries(deps, filter, { limit, ...(cursor && { cursor }) }));
    },
  ),
  opsRoute('GET /ops/deliveries/{id}', { summary: 'One delivery' }, async (deps, _e, p) =>
    json(200, await getDelivery(deps, p.id ?? '')),
  ),
  opsRoute('GET /ops/deliveries/{id}/attempts', { summary: 'A delivery’s attempts' }, async (deps, _e, p) =>
    json(200, await deliveryAttempts(deps, p.id ?? '')),
  ),
  opsRoute(
    'POST /ops/deliveries/{id}/replay',
    {
      summary: 'Replay one finished delivery (audited)',
      body: ReplayOneInput,
      bodyOptional: true,
      success: locatedSuccess(202, 'the replay'),
    },
    async (deps, e, p, who) => {
      const input = optionalBody(e) ? parseBody(e, ReplayOneInput) : ReplayOneInput.parse({});
      const replay = await replayDelivery(deps, p.id ?? '', who, input);
      return located(202, { replay }, '/ops/replays', replay.replayId);
    },
  ),
  opsRoute(
    'GET /ops/articles/{id}/deliveries',
    { summary: 'Everywhere an article went', page: true },
    async (deps, _e, p) => json(200, { items: await deps.deliveries.listByArticle(p.id ?? '') }),
  ),
];
