/**
 * `loa dashboard`: the dashboard for an endpoint the browser cannot call itself (the deployed API,
 * which wants SigV4). It serves the dashboard's files on loopback and forwards `/ops/*` API calls,
 * signed as the operator (or with the ops token). The page signs in with a token this proxy makes,
 * so another local user or a web page cannot borrow the operator's identity through it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dashboardAsset } from '#infra/dashboard/assets.ts';
import { type ApiClient, authHeaders } from './client.ts';

const MAX_BODY = 64 * 1024;

function sameToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '', 'utf8');
  const want = Buffer.from(token, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}

async function bodyOf(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
}

interface DashboardProxy {
  url: string;
  token: string;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1:`port` (0 picks one). */
export async function startDashboardProxy(
  api: ApiClient,
  port: number,
  fetchImpl: typeof fetch = fetch,
): Promise<DashboardProxy> {
  const token = randomBytes(18).toString('base64url');
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const page = req.method === 'GET' ? dashboardAsset(url.pathname) : undefined;
    if (page) return void res.writeHead(200, page.headers).end(page.body);
    if (url.pathname === '/' || url.pathname === '/ops')
      return void res.writeHead(302, { location: '/ops/' }).end();
    if (!url.pathname.startsWith('/ops/')) return void res.writeHead(404).end('not found\n');
    if (!sameToken(req.headers.authorization, token)) {
      return void res
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":"sign in with the token loa dashboard printed"}');
    }
    const forward = async () => {
      const body = await bodyOf(req);
      const target = `${api.endpoint}${url.pathname}${url.search}`;
      const headers = await authHeaders(api.auth, {
        method: req.method ?? 'GET',
        url: target,
        headers: {
          accept: 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body }),
      });
      const upstream = await fetchImpl(target, {
        method: req.method ?? 'GET',
        headers,
        ...(body !== undefined && { body }),
      });
      res
        .writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
          'cache-control': 'no-store',
        })
        .end(Buffer.from(await upstream.arrayBuffer()));
    };
    forward().catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: `proxy: ${error.message}` }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/ops/`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
