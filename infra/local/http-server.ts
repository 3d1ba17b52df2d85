import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { problemBody } from '#app/problem.ts';
import { dashboardAsset } from '#infra/dashboard/assets.ts';
import type { FunctionName } from '#infra/wiring.ts';
import { apiGatewayEvent, fromApiGatewayResult, toApiGatewayEvent } from './api-gateway.ts';
import type { AwsApiHandler } from './aws-api.ts';
import type { LocalHandler } from './handlers.ts';
import { bearerMatches } from './ops-token.ts';

/** Largest request body the local server reads (PutEvents itself allows 256 KiB per entry). */
const MAX_REQUEST_BYTES = 1024 * 1024;

export interface ExtraRoute {
  method: string;
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse, body: Buffer, url: URL): Promise<void> | void;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new TooLarge());
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The `Host` values this server answers: its loopback names with its port, and a configured public
 * name. Anything else is a DNS-rebinding page or a confused proxy reaching the unauthenticated bus.
 */
export function allowedHosts(port: number, publicHost?: string): Set<string> {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  if (publicHost) hosts.add(publicHost.trim().toLowerCase());
  return hosts;
}

/** A percent-decoded path segment, or undefined when its escapes are malformed (a 400, not a 500). */
function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer | string) {
  // No chunk for an empty body (every 304): `end()` writes the head alone, without corking for a chunk.
  if (body.length === 0) res.writeHead(status, headers).end();
  else res.writeHead(status, headers).end(body);
}

/** The server's own refusals, in the same RFC 9457 shape as the handlers' (shared/app/problem.ts). */
function sendProblem(
  res: ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
) {
  const { contentType, body } = problemBody(status, detail);
  send(
    res,
    status,
    {
      'content-type': contentType,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body,
  );
}
const ASSET_PATH = /^\/assets\/([^/]+)\/([^/]+)$/;
const FEED_PATH = /^\/feeds\/([^/]+)$/;
/**
 * A feed poll's request target in the one shape feed URLs have (a plain file name, a query of
 * unreserved characters, `%`, `=`, `&`, `+` and `:`): for it `new URL` would change nothing (no dot
 * segment, nothing to encode), so the path and query are taken as they came, without parsing a URL
 * on the hottest path. Any other target is parsed as before.
 */
const FEED_TARGET = /^\/feeds\/([A-Za-z0-9][A-Za-z0-9._:-]*)(?:\?([A-Za-z0-9._~:=&%+-]*))?$/;
const NO_BODY = Buffer.alloc(0);

/** One listener for AWS API calls, health, ops (behind the token), signed assets and extra routes. */
export function createRequestListener(opts: {
  aws: AwsApiHandler;
  handlers: Record<FunctionName, LocalHandler>;
  opsToken: string;
  logger: Logger;
  extraRoutes: ExtraRoute[];
  /** See allowedHosts. */
  hosts: ReadonlySet<string>;
}) {
  /** Writes a handler's API Gateway result as the HTTP answer. */
  const reply = (res: ServerResponse, result: unknown) => {
    const out = fromApiGatewayResult(result as APIGatewayProxyStructuredResultV2);
    send(res, out.status, out.headers, out.body);
  };
  const invokeHttp = async (
    fn: FunctionName,
    req: IncomingMessage,
    res: ServerResponse,
    url: Pick<URL, 'pathname' | 'search' | 'host'>,
    body: Buffer,
    extra = {},
  ) => {
    reply(res, await opts.handlers[fn](toApiGatewayEvent(req, url, body, extra), {} as never));
  };

  // Defined once, not per request: every function made per request costs its allocation (and, as the
  // local runtime runs under tsx, a `name` property defined on it).
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host?.toLowerCase();
    if (!host || !opts.hosts.has(host)) {
      return sendProblem(res, 421, 'misdirected request: unknown Host');
    }
    // Feed polls are the hottest path and GETs without a body: answered before any body is read, with
    // the event built from the target as it came and one await between the handler and the write.
    const target = req.method === 'GET' && !req.headers['x-amz-target'] && FEED_TARGET.exec(req.url ?? '');
    if (target) {
      const file = target[1] ?? '';
      const event = apiGatewayEvent(
        req,
        { path: `/feeds/${file}`, rawQuery: target[2] ?? '', host: 'localhost' },
        NO_BODY,
        { file },
      );
      return reply(res, await opts.handlers.feeds(event, {} as never));
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const feed = req.method === 'GET' && !req.headers['x-amz-target'] && FEED_PATH.exec(url.pathname);
    if (feed) {
      return invokeHttp('feeds', req, res, url, NO_BODY, { pathParameters: { file: feed[1] ?? '' } });
    }
    const body = await readBody(req);
    const aws = await opts.aws(req, body);
    if (aws) return send(res, aws.status, aws.headers, aws.body);
    if (url.pathname === '/healthz')
      return send(res, 200, { 'content-type': 'application/json' }, '{"status":"ok"}');
    // The dashboard's page, script and styles carry no data: served without the token (its API calls need it).
    const page = req.method === 'GET' ? dashboardAsset(url.pathname) : undefined;
    if (page) return send(res, 200, page.headers, page.body);
    if (url.pathname === '/ops' && req.method === 'GET') return send(res, 302, { location: '/ops/' }, '');
    if (url.pathname.startsWith('/ops/') || url.pathname === '/ops') {
      if (!bearerMatches(req.headers.authorization, opts.opsToken)) {
        return sendProblem(res, 401, 'missing or wrong ops token', {
          'www-authenticate': 'Bearer realm="loa-ops"',
        });
      }
      return invokeHttp('ops', req, res, url, body, { principal: 'local-ops-token' });
    }
    const asset = ASSET_PATH.exec(url.pathname);
    if (asset && req.method === 'GET') {
      const agreementId = safeDecode(asset[1] ?? '');
      if (agreementId === undefined) {
        return sendProblem(res, 400, 'agreementId in the path: malformed percent-encoding');
      }
      return invokeHttp('assets', req, res, url, body, {
        pathParameters: { agreementId, assetId: asset[2] ?? '' },
      });
    }
    const extra = opts.extraRoutes.find((r) => r.method === req.method && url.pathname.startsWith(r.prefix));
    if (extra) return extra.handle(req, res, body, url);
    sendProblem(res, 404, `no such endpoint: ${req.method} ${url.pathname}`);
  };

  return (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error) => {
      if (error instanceof TooLarge)
        return sendProblem(res, 413, `request body over ${MAX_REQUEST_BYTES} bytes`);
      // The path only: a feed or asset query carries a signature that is a capability for days.
      opts.logger.error('request failed', { path: (req.url ?? '').split('?')[0], error });
      if (!res.headersSent) sendProblem(res, 500, 'internal error');
    });
  };
}
