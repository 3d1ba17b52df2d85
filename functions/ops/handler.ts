import middy from '@middy/core';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { eventsPorts } from '#adapters/aws/wiring/events.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
import { secretsPorts } from '#adapters/aws/wiring/secrets.ts';
import { sqsPorts } from '#adapters/aws/wiring/sqs.ts';
import type { Deps } from '#app/deps.ts';
import { HttpError, type HttpEvent, type HttpResponse } from '../http.ts';
import { lambdaContext, problemErrors } from '../middleware.ts';
import { matchRoute } from './router.ts';
import { OPS_ROUTES } from './routes.ts';

/** Who is asking: the IAM principal on AWS, the local runtime's token principal locally. */
function principalOf(event: HttpEvent): string {
  const authorizer = (
    event.requestContext as { authorizer?: { iam?: { userArn?: string }; lambda?: { principal?: string } } }
  ).authorizer;
  return authorizer?.iam?.userArn ?? authorizer?.lambda?.principal ?? 'unknown';
}

/** The ops API. Authorisation happens in front of it (IAM on AWS, the bearer token locally). */
export function makeHandler(getDeps: () => Deps) {
  const logger = () => getDeps().logger;
  return middy<HttpEvent, HttpResponse>()
    .use(lambdaContext(logger))
    .use(problemErrors(logger, (event: HttpEvent) => ({ path: event.rawPath })))
    .handler(async (event): Promise<HttpResponse> => {
      const method = event.requestContext.http.method;
      const match = matchRoute(OPS_ROUTES, method, event.rawPath);
      if (!match) throw new HttpError(404, `no such ops endpoint: ${method} ${event.rawPath}`);
      if ('allow' in match)
        throw new HttpError(405, `${method} is not allowed on ${event.rawPath}`, undefined, {
          headers: { allow: match.allow.join(', ') },
        });
      return match.route.run(getDeps(), event, match.params, principalOf(event));
    });
}

// Every client: operators reach every kind of record.
export const handler = makeHandler(lambdaDeps(s3Ports, sqsPorts, eventsPorts, secretsPorts));
