import middy from '@middy/core';
import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import type { Deps } from '#app/deps.ts';
import { errorResponse, HttpError, type HttpEvent, type HttpResponse, toHttpError } from '#app/http.ts';
import { matchOpsRoute } from '#app/ops-routes.ts';

/** Who is asking: the IAM principal on AWS, the local runtime's token principal locally. */
function principalOf(event: HttpEvent): string {
  const authorizer = (
    event.requestContext as { authorizer?: { iam?: { userArn?: string }; lambda?: { principal?: string } } }
  ).authorizer;
  return authorizer?.iam?.userArn ?? authorizer?.lambda?.principal ?? 'unknown';
}

/** The ops API. Authorisation happens in front of it (IAM on AWS, the bearer token locally). */
export function makeHandler(getDeps: () => Deps) {
  return middy<HttpEvent, HttpResponse>().handler(async (event): Promise<HttpResponse> => {
    const deps = getDeps();
    const method = event.requestContext.http.method;
    try {
      const match = matchOpsRoute(method, event.rawPath);
      if (!match) throw new HttpError(404, `no such ops endpoint: ${method} ${event.rawPath}`);
      if (match === 'method') throw new HttpError(405, `${method} is not allowed on ${event.rawPath}`);
      return await match.route.run(deps, event, match.params, principalOf(event));
    } catch (error) {
      const known = toHttpError(error);
      if (known) return errorResponse(known);
      deps.logger.error('ops request failed', { path: event.rawPath, error });
      return errorResponse(new HttpError(500, 'internal error'));
    }
  });
}

export const handler = makeHandler(depsFromEnv);
