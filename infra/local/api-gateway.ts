import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Turns a local HTTP request into the API Gateway v2 (HTTP API) event a Lambda behind the
 * HTTP API receives, so the ops and asset handlers run unchanged on both runtimes.
 */
export function toApiGatewayEvent(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  extra: { pathParameters?: Record<string, string>; principal?: string } = {},
): APIGatewayProxyEventV2 {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
  );
  const query = url.searchParams.size ? Object.fromEntries(url.searchParams) : undefined;
  const method = req.method ?? 'GET';
  return {
    version: '2.0',
    routeKey: `${method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(query && { queryStringParameters: query }),
    ...(extra.pathParameters && { pathParameters: extra.pathParameters }),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: Math.random().toString(36).slice(2),
      routeKey: `${method} ${url.pathname}`,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(extra.principal && { authorizer: { lambda: { principal: extra.principal } } }),
    } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
    ...(body.length > 0 && { body: body.toString('utf8') }),
  };
}

/** The status, headers and body of a handler's structured result. */
export function fromApiGatewayResult(result: APIGatewayProxyStructuredResultV2) {
  const body = result.body ?? '';
  return {
    status: result.statusCode ?? 200,
    headers: { ...(result.headers as Record<string, string>) },
    body: result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}
