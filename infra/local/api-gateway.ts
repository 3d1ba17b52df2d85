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

/** Query parameters as API Gateway gives them: decoded, repeated names joined with commas. */
function queryParameters(search: string): Record<string, string> | undefined {
  if (search.length <= 1) return undefined;
  const out: Record<string, string> = {};
  for (const part of search.slice(1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decodeQueryComponent(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decodeQueryComponent(part.slice(eq + 1));
    out[name] = name in out ? `${out[name]},${value}` : value;
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

/**
 * Turns a local HTTP request into the API Gateway v2 (HTTP API) event a Lambda behind the
 * HTTP API receives, so the ops, asset and feed handlers run unchanged on both runtimes.
 * It sits on the feed-poll path, so it avoids per-request allocations it does not need.
 */
export function toApiGatewayEvent(
  req: IncomingMessage,
  /** The request target as parsed (`new URL`), or as the feed fast path splits it (http-server.ts). */
  url: Pick<URL, 'pathname' | 'search' | 'host'>,
  body: Buffer,
  extra: { pathParameters?: Record<string, string>; principal?: string } = {},
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const name in req.headers) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const method = req.method ?? 'GET';
  const path = url.pathname;
  const search = url.search;
  const now = Date.now();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: search.length > 1 ? search.slice(1) : '',
    headers,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${++requestSeq}`,
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now,
    },
  };
  const query = queryParameters(search);
  if (query) event.queryStringParameters = query;
  if (extra.pathParameters) event.pathParameters = extra.pathParameters;
  if (extra.principal) {
    (event.requestContext as { authorizer?: unknown }).authorizer = {
      lambda: { principal: extra.principal },
    };
  }
  if (body.length > 0) event.body = body.toString('utf8');
  return event;
}

/** The status, headers and body of a handler's structured result. */
export function fromApiGatewayResult(result: APIGatewayProxyStructuredResultV2) {
  const body = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    headers: (result.headers ?? {}) as Record<string, string>,
    body: result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}
