/** The shape of an ops route (the same as ops-routes.ts builds), and the query-string edge. */
import type { z } from 'zod';
import { InvalidCursorError } from '#domain/errors.ts';
import { describeIssues } from '#schemas/issues.ts';
import type { Deps } from '../deps.ts';
import { HttpError, type HttpEvent, type HttpResponse } from '../http.ts';
import { ReplayRefusedError } from './reopen.ts';

export type Params = Record<string, string>;
export interface OpsRoute {
  method: string;
  /** The template, `/ops/agreements/{id}`: the OpenAPI document's path. */
  path: string;
  pattern: RegExp;
  names: string[];
  run: (deps: Deps, e: HttpEvent, p: Params, who: string) => Promise<HttpResponse>;
}

/** `/ops/x/{id}` → a regex with named segments (segments never contain `/`); refusals become 409s with their reason. */
export function opsRoute(method: string, path: string, run: OpsRoute['run']): OpsRoute {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const guarded: OpsRoute['run'] = async (deps, e, p, who) => {
    try {
      return await run(deps, e, p, who);
    } catch (error) {
      if (error instanceof ReplayRefusedError) {
        throw new HttpError(409, error.message, undefined, {
          reason: error.reason,
          ...(error.offer && { offer: error.offer }),
        });
      }
      // A cursor that is not ours is the caller's mistake (the adapter cannot know HTTP).
      if (error instanceof InvalidCursorError) throw new HttpError(400, error.message);
      throw error;
    }
  };
  return { method, path, pattern: new RegExp(`^${source}$`), names, run: guarded };
}

/** Parses the query string with a schema; every failure names the parameter at fault (400). */
export function parseQuery<T extends z.ZodType>(e: HttpEvent, schema: T): z.infer<T> {
  const parsed = schema.safeParse(e.queryStringParameters ?? {});
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new HttpError(400, `invalid query: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
}

/** An optional JSON body: absent or empty is `{}`, anything else goes through `parse`. */
export function optionalBody(e: HttpEvent): boolean {
  return Boolean(e.body && e.body.trim() !== '');
}
