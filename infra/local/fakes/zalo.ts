import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Zalo OA API received, as it arrived (the token included: tests check where it went). */
export interface FakeZaloRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  /** The JSON body, when it was one. */
  json: unknown;
}

/** A stored OA article, as the fake keeps it. */
export interface FakeZaloArticle {
  id: string;
  title: string;
  author?: string;
  description?: string;
  cover?: unknown;
  body: { type: string; content?: string }[];
  status?: string;
  comment?: string;
  updates: number;
}

/** A fault the fake answers instead of doing what was asked, once per request, in order. */
export type ZaloFault =
  /** `{error: -32}`: the app reached its call limit (HTTP 200, as Zalo answers). */
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  /** An HTTP error from Zalo's front (502 by default), with an HTML body. */
  | { kind: 'server-error'; status?: number }
  /** Any Zalo error code, HTTP 200. */
  | { kind: 'error'; error: number; message: string }
  /** Reads the request, then never answers. */
  | { kind: 'hang' }
  /** Answers this request normally (to fault a later one). */
  | { kind: 'pass' };

export interface FakeZaloOptions {
  /** Loopback port (default: any free one); the demo fixes it so stored base URLs survive a restart. */
  port?: number;
  /** The OA access token the fake accepts (default `zalo-fake-oa-token`). */
  accessToken?: string;
}

export interface FakeZalo {
  /** `http://127.0.0.1:<port>`, what a channel's `baseUrl` is set to. */
  baseUrl: string;
  requests: FakeZaloRequest[];
  /** The OA's articles by id (verified ones; removed ones are deleted). */
  articles: Map<string, FakeZaloArticle>;
  fail(...faults: ZaloFault[]): void;
  close(): Promise<void>;
}

/** Zalo's error codes the fake uses (an OA API answers HTTP 200 with `error` ≠ 0). */
export const ZALO_ERROR = {
  rateLimit: -32,
  invalidParameter: -201,
  accessToken: -216,
} as const;

/** The text limits Zalo's article editor applies, which the fake enforces. */
export const ZALO_LIMITS = { title: 150, description: 300, author: 50 } as const;

type Answer = { status: number; body: unknown; headers?: Record<string, string>; html?: boolean };

/**
 * A stand-in for the Zalo Official Account article API (v2.0): `POST /v2.0/article/create` answers a
 * token, `POST /v2.0/article/verify {token}` the article id, `POST /v2.0/article/update {id, …}` a
 * token, `POST /v2.0/article/remove {id}`. The OA token is read from the `access_token` header;
 * failures are HTTP 200 with `{error: <negative code>, message}`, as Zalo answers them.
 */
export async function startFakeZalo(options: FakeZaloOptions = {}): Promise<FakeZalo> {
  const accessToken = options.accessToken ?? 'zalo-fake-oa-token';
  const requests: FakeZaloRequest[] = [];
  const articles = new Map<string, FakeZaloArticle>();
  /** Operation token → the article it creates or changes, until verified. */
  const pending = new Map<string, FakeZaloArticle>();
  const faults: ZaloFault[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const request: FakeZaloRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: new URL(req.url ?? '/', 'http://fake').pathname,
        headers: req.headers,
        raw,
        json: parse(raw),
      };
      requests.push(request);
      const fault = faults.shift();
      if (fault?.kind === 'hang') return;
      reply(res, fault && fault.kind !== 'pass' ? faultAnswer(fault) : handle(request));
    });
  });

  function handle(request: FakeZaloRequest): Answer {
    if (request.method !== 'POST' || !request.path.startsWith('/v2.0/article/')) {
      return ok404();
    }
    if (request.headers.access_token !== accessToken) {
      return zaloError(ZALO_ERROR.accessToken, 'Access token is invalid');
    }
    const body = (request.json ?? {}) as Record<string, unknown>;
    switch (request.path) {
      case '/v2.0/article/create': {
        const problem = articleProblem(body);
        if (problem) return zaloError(ZALO_ERROR.invalidParameter, problem);
        const id = randomBytes(10).toString('hex');
        return { status: 200, body: success({ token: operation({ ...articleOf(body), id, updates: 0 }) }) };
      }
      case '/v2.0/article/update': {
        const existing = articles.get(String(body.id ?? ''));
        if (!existing) return zaloError(ZALO_ERROR.invalidParameter, 'Article is not existed');
        const problem = articleProblem(body);
        if (problem) return zaloError(ZALO_ERROR.invalidParameter, problem);
        return {
          status: 200,
          body: success({
            token: operation({ ...articleOf(body), id: existing.id, updates: existing.updates + 1 }),
          }),
        };
      }
      case '/v2.0/article/verify': {
        const article = pending.get(String(body.token ?? ''));
        if (!article) return zaloError(ZALO_ERROR.invalidParameter, 'Token is invalid');
        articles.set(article.id, article);
        return { status: 200, body: success({ id: article.id }) };
      }
      case '/v2.0/article/remove': {
        if (!articles.delete(String(body.id ?? ''))) {
          return zaloError(ZALO_ERROR.invalidParameter, 'Article is not existed');
        }
        return { status: 200, body: { error: 0, message: 'Success' } };
      }
      default:
        return ok404();
    }
  }

  /** Zalo applies a create or an update when its operation token is verified. */
  function operation(article: FakeZaloArticle): string {
    const token = randomBytes(24).toString('base64');
    pending.set(token, article);
    return token;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    articles,
    fail: (...more) => faults.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function codePoints(value: unknown): number {
  return typeof value === 'string' ? [...value].length : 0;
}

/** Why Zalo would refuse this article, or undefined. */
function articleProblem(body: Record<string, unknown>): string | undefined {
  if (body.type !== 'normal') return 'type is invalid';
  if (typeof body.title !== 'string' || body.title === '') return 'title is required';
  if (codePoints(body.title) > ZALO_LIMITS.title)
    return `title must not exceed ${ZALO_LIMITS.title} characters`;
  if (codePoints(body.description) > ZALO_LIMITS.description) {
    return `description must not exceed ${ZALO_LIMITS.description} characters`;
  }
  if (codePoints(body.author) > ZALO_LIMITS.author)
    return `author must not exceed ${ZALO_LIMITS.author} characters`;
  const paragraphs = body.body;
  if (!Array.isArray(paragraphs) || paragraphs.length === 0) return 'body is required';
  for (const p of paragraphs as Record<string, unknown>[]) {
    if (p.type === 'text' && typeof p.content !== 'string') return 'body text content is required';
    if (p.type !== 'text' && p.type !== 'image' && p.type !== 'video' && p.type !== 'product') {
      return 'body type is invalid';
    }
  }
  return undefined;
}

function articleOf(body: Record<string, unknown>): Omit<FakeZaloArticle, 'id' | 'updates'> {
  return {
    title: String(body.title),
    ...(typeof body.author === 'string' && { author: body.author }),
    ...(typeof body.description === 'string' && { description: body.description }),
    ...(body.cover !== undefined && { cover: body.cover }),
    body: body.body as FakeZaloArticle['body'],
    ...(typeof body.status === 'string' && { status: body.status }),
    ...(typeof body.comment === 'string' && { comment: body.comment }),
  };
}

function success(data: unknown) {
  return { data, error: 0, message: 'Success' };
}

function zaloError(error: number, message: string): Answer {
  return { status: 200, body: { error, message } };
}

/** Zalo's gateway answer for a path it does not serve. */
function ok404(): Answer {
  return zaloError(404, 'You are accessing an empty or invalid API. Please check your request again.');
}

function faultAnswer(fault: Exclude<ZaloFault, { kind: 'hang' | 'pass' }>): Answer {
  switch (fault.kind) {
    case 'rate-limit':
      return {
        ...zaloError(ZALO_ERROR.rateLimit, 'Your application reached limit call api'),
        ...(fault.retryAfterSeconds !== undefined && {
          headers: { 'retry-after': String(fault.retryAfterSeconds) },
        }),
      };
    case 'server-error':
      return {
        status: fault.status ?? 502,
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
        html: true,
      };
    case 'error':
      return zaloError(fault.error, fault.message);
  }
}

function parse(raw: string): unknown {
  try {
    return raw === '' ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return undefined;
  }
}

function reply(res: ServerResponse, answer: Answer): void {
  const body = answer.html ? String(answer.body) : JSON.stringify(answer.body);
  res
    .writeHead(answer.status, {
      'content-type': answer.html ? 'text/html' : 'application/json;charset=utf-8',
      ...answer.headers,
    })
    .end(body);
}
