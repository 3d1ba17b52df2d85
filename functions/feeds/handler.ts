import * as z from 'zod';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
import { secretsPorts } from '#adapters/aws/wiring/secrets.ts';
import type { Deps } from '#app/deps.ts';
import { FeedCache } from '#app/feed-cache.ts';
import { serveFeed } from '#app/serve-feed.ts';
import { type HttpEvent, type HttpResponse, problem } from '../http.ts';

/** How long a warm function reuses agreements and rendered pages (0 turns the cache off). */
const CacheMs = z.coerce.number().int().min(0).max(60_000).default(5_000);

/** Partners' readers may keep a page a minute before asking again (they revalidate with ETag). */
const CACHE_CONTROL = 'private, max-age=60';

/** `GET /feeds/{agreementId}.{rss|atom|json|ninjs}?expires&kid&sig[&since][&limit]`: 200, 304, or 403 with a reason. */
export function makeHandler(getDeps: () => Deps, env: NodeJS.ProcessEnv = process.env) {
  const ttlMs = CacheMs.parse(env.LOA_FEED_CACHE_MS);
  let cache: FeedCache | undefined;
  // A plain async function, not middy: the feed function uses no middleware, and on the 304 path
  // middy's request object and hooks were a sizeable share of the work (docs/feeds.md, Benchmark).
  return async (event: HttpEvent): Promise<HttpResponse> => {
    const deps = getDeps();
    cache ??= new FeedCache({ ttlMs, now: () => deps.clock.now().getTime() });
    try {
      const served = serveFeed(deps, cache, {
        method: event.requestContext.http.method,
        path: event.rawPath,
        rawQuery: event.rawQueryString,
        ifNoneMatch: event.headers['if-none-match'],
        ifModifiedSince: event.headers['if-modified-since'],
      });
      // A repeat served from the page cache is answered at once: awaited only when it is a promise.
      const answer = served instanceof Promise ? await served : served;
      if (answer.kind === 'refused') return problem(403, answer.reason);
      if (answer.kind === 'bad-request') return problem(400, answer.reason);
      const { feed } = answer;
      // What a 304 must repeat of the 200 (RFC 9110 §15.4.5), and Last-Modified for date-only readers.
      const headers = {
        etag: feed.etag,
        'last-modified': feed.lastModifiedHttp,
        'cache-control': CACHE_CONTROL,
      };
      if (answer.kind === 'not-modified') return { statusCode: 304, headers, body: '' };
      return {
        statusCode: 200,
        headers: {
          ...headers,
          'content-type': feed.contentType,
          'x-content-type-options': 'nosniff',
          ...(feed.nextUrl && { link: `<${feed.nextUrl}>; rel="next"` }),
        },
        // Encoded once per rendered page: exact bytes, and no UTF-8 encoding of the body per request.
        body: feed.bodyBase64,
        isBase64Encoded: true,
      };
    } catch (error) {
      deps.logger.error('feed request failed', { path: event.rawPath, error });
      return problem(500, 'internal error');
    }
  };
}

// S3 (manifests) and the feed keys; no queue, no bus.
export const handler = makeHandler(lambdaDeps(s3Ports, secretsPorts));
