/**
 * The local server's feed polls: the API Gateway v2 event it hands the feeds handler, whichever way it
 * read the request target (as it came, or through `new URL`), and how it writes the handler's result.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalHandler } from '#infra/local/handlers.ts';
import { allowedHosts, createRequestListener } from '#infra/local/http-server.ts';
import type { FunctionName } from '#infra/wiring.ts';

const SIG = 'YrIqY3KF51yKcATOZg4WorYPk2G_IdEAIEI-aL4uXUo';

let server: Server;
let port = 0;
const events: APIGatewayProxyEventV2[] = [];
let answer: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
const logger = { error: vi.fn() };

/** One raw GET with the headers we choose; the target goes on the wire exactly as given. */
function get(
  target: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, method: 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  let listener: ReturnType<typeof createRequestListener> | undefined;
  server = createServer((req, res) => listener?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const feeds: LocalHandler = async (event) => {
    events.push(event as APIGatewayProxyEventV2);
    return answer(event as APIGatewayProxyEventV2);
  };
  listener = createRequestListener({
    aws: async () => undefined,
    handlers: { feeds } as Record<FunctionName, LocalHandler>,
    opsToken: 'unused-unused-unused-unused-unused',
    logger: logger as unknown as Logger,
    extraRoutes: [],
    hosts: allowedHosts(port),
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  events.length = 0;
  logger.error.mockClear();
  answer = async () => ({ statusCode: 304, headers: { etag: '"e"' }, body: '' });
});

describe('the event the local server builds for a feed poll', () => {
  it('has the decoded query parameters, headers and rawQueryString API Gateway would give', async () => {
    const query = `expires=1796601582&kid=k1&sig=${SIG}&since=MjAyNS0wNi0wMVQwODowMDowMC4wMDBa&limit=10`;

    await get(`/feeds/vtv4.rss?${query}`, { 'if-none-match': '"e"', 'user-agent': 'reader/1.0' });

    const [event] = events;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /feeds/vtv4.rss',
      rawPath: '/feeds/vtv4.rss',
      rawQueryString: query,
      isBase64Encoded: false,
      pathParameters: { file: 'vtv4.rss' },
      queryStringParameters: {
        expires: '1796601582',
        kid: 'k1',
        sig: SIG,
        since: 'MjAyNS0wNi0wMVQwODowMDowMC4wMDBa',
        limit: '10',
      },
      headers: { host: `127.0.0.1:${port}`, 'if-none-match': '"e"', 'user-agent': 'reader/1.0' },
      requestContext: {
        domainName: 'localhost',
        http: { method: 'GET', path: '/feeds/vtv4.rss', protocol: 'HTTP/1.1', userAgent: 'reader/1.0' },
        routeKey: 'GET /feeds/vtv4.rss',
        stage: '$default',
      },
    });
    expect(event?.body).toBeUndefined();
    expect(event?.requestContext.http.sourceIp).toBe('127.0.0.1');
  });

  it('decodes escapes and `+` in the parameters and joins repeated names, keeping the raw query', async () => {
    await get('/feeds/vtv4.rss?kid=%6B1&q=H%C3%A0+Giang&x=1&x=2');

    expect(events[0]?.rawQueryString).toBe('kid=%6B1&q=H%C3%A0+Giang&x=1&x=2');
    expect(events[0]?.queryStringParameters).toEqual({ kid: 'k1', q: 'Hà Giang', x: '1,2' });
  });

  it('is the same event when the target is read through new URL (a character outside the plain shape)', async () => {
    // `'` is not in the shape taken as it came: that target is parsed, and the query percent-encoded.
    await get(`/feeds/vtv4.rss?expires=17&kid=k1&sig=${SIG}&q=a'b`);
    await get(`/feeds/vtv4.rss?expires=17&kid=k1&sig=${SIG}&q=a%27b`);

    const [parsed, plain] = events;
    const comparable = (e: APIGatewayProxyEventV2 | undefined) => ({
      ...e,
      requestContext: { ...e?.requestContext, requestId: '', time: '', timeEpoch: 0 },
    });
    expect(parsed?.rawQueryString).toBe(`expires=17&kid=k1&sig=${SIG}&q=a%27b`);
    expect(comparable(parsed)).toEqual(comparable(plain));
  });

  it('has no query parameters for a target without a query', async () => {
    await get('/feeds/vtv4.rss');

    expect(events[0]?.rawQueryString).toBe('');
    expect(events[0]?.queryStringParameters).toBeUndefined();
  });
});

describe('what the local server writes of the handler’s result', () => {
  it('writes a 304 with the handler’s headers and no body', async () => {
    answer = async () => ({
      statusCode: 304,
      headers: { etag: '"e"', 'last-modified': 'Sun, 01 Jun 2025 08:00:00 GMT', 'cache-control': 'private' },
      body: '',
    });

    const res = await get(`/feeds/vtv4.rss?expires=17&kid=k1&sig=${SIG}`);

    expect(res.status).toBe(304);
    expect(res.headers).toMatchObject({
      etag: '"e"',
      'last-modified': 'Sun, 01 Jun 2025 08:00:00 GMT',
      'cache-control': 'private',
    });
    expect(res.body.length).toBe(0);
  });

  it('writes a base64 body as its bytes', async () => {
    const bytes = Buffer.from('<rss>Hà Giang</rss>');
    answer = async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/rss+xml; charset=utf-8' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });

    const res = await get(`/feeds/vtv4.rss?expires=17&kid=k1&sig=${SIG}`);

    expect(res.status).toBe(200);
    expect(res.body.equals(bytes)).toBe(true);
  });

  it('answers 500 when the handler fails, and logs the path without its query', async () => {
    answer = async () => {
      throw new Error('boom');
    };

    const res = await get(`/feeds/vtv4.rss?expires=17&kid=k1&sig=${SIG}`);

    expect(res.status).toBe(500);
    expect(JSON.parse(res.body.toString())).toMatchObject({ status: 500, detail: 'internal error' });
    expect(logger.error).toHaveBeenCalledWith(
      'request failed',
      expect.objectContaining({ path: '/feeds/vtv4.rss' }),
    );
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain(SIG);
  });

  it('answers 421 to an unknown Host before any handler runs', async () => {
    const res = await get(`/feeds/vtv4.rss?expires=17&kid=k1&sig=${SIG}`, { host: 'attacker.example' });

    expect(res.status).toBe(421);
    expect(events).toHaveLength(0);
  });
});
