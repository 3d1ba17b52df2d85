import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

let requestSeq = 0;
let clock = { second: -1, utc: '' };

/** API Gateway's `requestContext.time`, formatted at most once a second (date formatting is not free). */
function requestTime(nowMs: number): string {
  const second = Math.floor(nowMs / 1000);
  if (second !== clock.second) clock = { second, utc: new Date(second * 1000).toUTCString() };
  return clock.utc;
}

/**
 * Query parameters as API Gateway gives them: decoded, repeated names joined with commas. One pass
 * over the raw query (what follows `?`), without splitting it into an array first: it runs on every
 * feed poll.
 */
export function queryParameters(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery.length === 0) return undefined;
  // Without `%` or `+` anywhere (a feed poll's query) there is nothing to decode in any part.
  const plain = !rawQuery.includes('%') && !rawQuery.includes('+');
  const out: Record<string, string> = {};
  let start = 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end < 0) end = rawQuery.length;
    if (end > start) {
      const eq = rawQuery.indexOf('=', start);
      const named = eq >= 0 && eq < end;
      const rawName = rawQuery.slice(start, named ? eq : end);
      const rawValue = named ? rawQuery.slice(eq + 1, end) : '';
      const name = plain ? rawName : decodeQueryComponent(rawName);
      const value = plain ? rawValue : decodeQueryComponent(rawValue);
      // An own property only: `constructor` or `toString` in a query is a parameter like any other.
      const before = out[name];
      out[name] = before !== undefined && Object.hasOwn(out, name) ? `${before},${value}` : value;
    }
    start = end + 1;
  }
  return out;
}

function decodeQueryComponent(s: string): string {
  const spaced = s.includes('+') ? s.replaceAll('+', ' ') : s;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** What the local server knows of a request target: the path as requested and the query after `?`. */
export interface RequestTarget {
  path: string;
  /** The query without its `?` (API Gateway's rawQueryString); empty when there is none. */
  rawQuery: string;
  /** The `Host` the request was answered for, as API Gateway's `domainName`. */
  host: string;
}

/**
 * Turns a local HTTP request into the API Gateway v2 (HTTP API) event a Lambda behind the
 * HTTP API receives, so the ops, asset and feed handlers run unchanged on both runtimes.
 * It sits on the feed-poll path, so it avoids per-request allocations it does not need.
 */
export function apiGatewayEvent(
  req: IncomingMessage,
  target: RequestTarget,
  body: Buffer,
  pathParameters?: Record<string, string>,
  principal?: string,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const incoming = req.headers;
  for (const name in incoming) {
    const value = incoming[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const method = req.method ?? 'GET';
  const { path, rawQuery } = target;
  const routeKey = `${method} ${path}`;
  const now = Date.now();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: rawQuery,
    headers,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: target.host,
      domainPrefix: 'local',
      http: {
        method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${++requestSeq}`,
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now,
    },
  };
  const query = queryParameters(rawQuery);
  if (query) event.queryStringParameters = query;
  if (pathParameters) event.pathParameters = pathParameters;
  if (principal) {
    (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: { principal } };
  }
  if (body.length > 0) event.body = body.toString('utf8');
  return event;
}

/** apiGatewayEvent with the target as `new URL` parsed it. */
export function toApiGatewayEvent(
  req: IncomingMessage,
  url: Pick<URL, 'pathname' | 'search' | 'host'>,
  body: Buffer,
  extra: { pathParameters?: Record<string, string>; principal?: string } = {},
): APIGatewayProxyEventV2 {
  const { search } = url;
  return apiGatewayEvent(
    req,
    { path: url.pathname, rawQuery: search.length > 1 ? search.slice(1) : '', host: url.host },
    body,
    extra.pathParameters,
    extra.principal,
  );
}

const EMPTY = Buffer.alloc(0);

/** The status, headers and body of a handler's structured result (an empty body allocates nothing). */
export function fromApiGatewayResult(result: APIGatewayProxyStructuredResultV2) {
  const body = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    body:
      body.length === 0
        ? EMPTY
        : result.isBase64Encoded
          ? Buffer.from(body, 'base64')
          : Buffer.from(body, 'utf8'),
  };
}
