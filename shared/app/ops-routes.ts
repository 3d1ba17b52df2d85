import { z } from 'zod';
import { DELIVERY_STATUS, type DeliveryStatus } from '#domain/delivery.ts';
import { InvalidCursorError } from '#domain/errors.ts';
import { CreateAgreementInput } from '#schemas/agreement.ts';
import { createAgreement } from './create-agreement.ts';
import type { Deps } from './deps.ts';
import { addFeedKey, FeedUrlInput, mintFeedUrl, retireFeedKey } from './feed-keys.ts';
import { HttpError, type HttpEvent, type HttpResponse, json, parseBody } from './http.ts';
import { withAgreementHistory } from './ops/agreement-history.ts';
import { channelStates } from './ops/catch-up.ts';
import { openApiDocument } from './ops/openapi.ts';
import { OPERATOR_ROUTES } from './ops/routes.ts';

type Params = Record<string, string>;
type Route = {
  method: string;
  path: string;
  pattern: RegExp;
  names: string[];
  run: (deps: Deps, e: HttpEvent, p: Params, who: string) => Promise<HttpResponse>;
};

/** `/ops/agreements/{id}` → a regex with named segments; segments never contain `/`. */
function route(method: string, path: string, run: Route['run']): Route {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { method, path, pattern: new RegExp(`^${source}$`), names, run };
}

/** `GET /ops/agreements/{id}/deliveries?status&limit&cursor`. */
export const ListQuery = z.object({
  status: z.enum(Object.values(DELIVERY_STATUS) as [DeliveryStatus, ...DeliveryStatus[]]).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});

async function agreementOr404(deps: Deps, id: string) {
  const agreement = await deps.agreements.get(id);
  if (!agreement) throw new HttpError(404, `agreement ${id} not found`);
  return agreement;
}

// Every change of an agreement is recorded with who and when (ops/agreement-history.ts).
export const OPS_ROUTES: Route[] = withAgreementHistory([
  // Operators' endpoints (shared/app/ops): filters, bulk replay, backfill, explain, health; the replay
  // of one delivery lives there too.
  ...OPERATOR_ROUTES,
  route('POST', '/ops/agreements', async (deps, e) => {
    const created = await createAgreement(deps, parseBody(e, CreateAgreementInput));
    return json(
      201,
      { agreement: created.agreement, secrets: created.generatedSecrets },
      { location: `/ops/agreements/${encodeURIComponent(created.agreement.agreementId)}` },
    );
  }),
  route('GET', '/ops/agreements', async (deps) => json(200, { items: await deps.agreements.list() })),
  route('GET', '/ops/agreements/{id}', async (deps, _e, p) => {
    const agreement = await agreementOr404(deps, p.id ?? '');
    // Each channel's circuit (`paused` after days of failures: resume it, see docs/operators.md).
    return json(200, { ...agreement, channelStates: await channelStates(deps, agreement.channels) });
  }),
  route('POST', '/ops/agreements/{id}/feed-keys', async (deps, _e, p) => {
    const { kid, createdAt, agreement } = await addFeedKey(deps, p.id ?? '');
    const location = `/ops/agreements/${encodeURIComponent(p.id ?? '')}/feed-keys/${encodeURIComponent(kid)}`;
    return json(201, { kid, createdAt, feedKeys: agreement.feedKeys }, { location });
  }),
  route('DELETE', '/ops/agreements/{id}/feed-keys/{kid}', async (deps, _e, p) => {
    const agreement = await retireFeedKey(deps, p.id ?? '', p.kid ?? '');
    return json(200, { feedKeys: agreement.feedKeys });
  }),
  route('POST', '/ops/agreements/{id}/feed-url', async (deps, e, p) =>
    json(200, await mintFeedUrl(deps, p.id ?? '', parseBody(e, FeedUrlInput))),
  ),
  route('GET', '/ops/agreements/{id}/deliveries', async (deps, e, p) => {
    const q = ListQuery.safeParse(e.queryStringParameters ?? {});
    if (!q.success)
      throw new HttpError(
        400,
        `invalid query: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const agreement = await agreementOr404(deps, p.id ?? '');
    try {
      return json(200, await deps.deliveries.listByAgreement(agreement.agreementId, q.data));
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new HttpError(400, error.message);
      throw error;
    }
  }),
  route('GET', '/ops/deliveries/{id}', async (deps, _e, p) => {
    const d = await deps.deliveries.get(p.id ?? '');
    if (!d) throw new HttpError(404, `delivery ${p.id} not found`);
    return json(200, d);
  }),
  route('GET', '/ops/articles/{id}/deliveries', async (deps, _e, p) =>
    json(200, { items: await deps.deliveries.listByArticle(p.id ?? '') }),
  ),
  route('GET', '/ops/articles/{id}/routing/{version}', async (deps, _e, p) => {
    const record = await deps.routing.get(p.id ?? '', Number(p.version));
    if (!record) throw new HttpError(404, `no routing recorded for ${p.id} version ${p.version}`);
    return json(200, record);
  }),
  route('GET', '/ops/rejections', async (deps) => json(200, { items: await deps.rejections.list(100) })),
  // The document describes this very table, so it is built on request (routes are all defined by then).
  route('GET', '/ops/openapi.json', async () => json(200, openApiDocument(OPS_ROUTES, ListQuery))),
]);

/** A path parameter, percent-decoded; a malformed escape (`%E0%A4%A`) is the caller's 400, naming it. */
function decodePathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `path parameter ${name}: malformed percent-encoding`);
  }
}

/**
 * Finds the route for a request: the route and its decoded params; for a known path with another
 * method, the methods it allows (a 405's `Allow`); undefined for an unknown path.
 */
export function matchOpsRoute(
  method: string,
  path: string,
): { route: Route; params: Params } | { allow: string[] } | undefined {
  const allow: string[] = [];
  for (const r of OPS_ROUTES) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      allow.push(r.method);
      continue;
    }
    const params = Object.fromEntries(r.names.map((n, i) => [n, decodePathSegment(n, m[i + 1] ?? '')]));
    return { route: r, params };
  }
  return allow.length ? { allow: [...new Set(allow)].sort() } : undefined;
}
