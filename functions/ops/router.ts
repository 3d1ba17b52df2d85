/**
 * The ops router: one route type, the builder every route table uses, and the match of a request
 * to a route. A refusal (409 with its reason) and a bad cursor (400) become HTTP here, by their
 * type, for every route alike.
 */
import type { Deps } from '#app/deps.ts';
import { NotPausedError } from '#app/ops/catch-up.ts';
import { ReplayRefusedError } from '#app/ops/reopen.ts';
import { InvalidCursorError } from '#domain/errors.ts';
import { HttpError, type HttpEvent, type HttpResponse, json } from '../http.ts';
import type { Operation } from './openapi.ts';

/** Path parameters by name, percent-decoded. */
type Params = Record<string, string>;

export interface OpsRoute {
  method: string;
  /** The template, `/ops/agreements/{id}`: the OpenAPI document's path. */
  path: string;
  /** What the OpenAPI document says of it (the path and method say the rest). */
  doc: Operation;
  pattern: RegExp;
  names: string[];
  run: (deps: Deps, e: HttpEvent, p: Params, who: string) => Promise<HttpResponse>;
}

/** A 201 or 202 whose Location names what was made: `{collection}/{id}`. */
export function located(status: 201 | 202, body: unknown, collection: string, id: string): HttpResponse {
  return json(status, body, { location: `${collection}/${encodeURIComponent(id)}` });
}

/** The HTTP form of the domain errors only the ops API raises; anything else is passed on. */
function opsHttpError(error: unknown): unknown {
  if (error instanceof ReplayRefusedError || error instanceof NotPausedError) {
    const offer = error instanceof ReplayRefusedError ? error.offer : undefined;
    return new HttpError(409, error.message, undefined, { reason: error.reason, ...(offer && { offer }) });
  }
  // A cursor that is not ours is the caller's mistake (the adapter cannot know HTTP).
  if (error instanceof InvalidCursorError) return new HttpError(400, error.message);
  return error;
}

/** `GET /ops/x/{id}` → a route: its path a regex with named segments (segments never contain `/`). */
export function opsRoute(route: `${string} /${string}`, doc: Operation, run: OpsRoute['run']): OpsRoute {
  const [method = '', path = ''] = route.split(' ');
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const guarded: OpsRoute['run'] = async (deps, e, p, who) => {
    try {
      return await run(deps, e, p, who);
    } catch (error) {
      throw opsHttpError(error);
    }
  };
  return { method, path, doc, pattern: new RegExp(`^${source}$`), names, run: guarded };
}

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
export function matchRoute(
  routes: readonly OpsRoute[],
  method: string,
  path: string,
): { route: OpsRoute; params: Params } | { allow: string[] } | undefined {
  const allow: string[] = [];
  for (const r of routes) {
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
