import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Zalo OA API received, as it arrived (the token included: tests check where it went). */
interface FakeZaloRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  /** The JSON body, when it was one. */
  json: unknown;
  /** The form fields, when the body was a form (the token endpoint's). */
  form?: Record<string, string>;
}

/** A stored OA article, as the fake keeps it. */
interface FakeZaloArticle {
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
type ZaloFault =
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

interface FakeZaloOptions {
  /** Loopback port (default: any free one); the demo fixes it so stored base URLs survive a restart. */
  port?: number;
  /** The OA access token the fake accepts (default `zalo-fake-oa-token`). */
  accessToken?: string;
  /** The OA's refresh token, single use, that `POST /v4/oa/access_token` takes. */
  refreshToken?: string;
  /** The app the OA authorised: its id (`app_id`) and secret key (`secret_key` header). */
  app?: { appId: string; secretKey: string };
}

export interface FakeZalo {
  /** `http://127.0.0.1:<port>`, what a channel's `baseUrl` is set to. */
  baseUrl: string;
  requests: FakeZaloRequest[];
  /** The OA's articles by id (verified ones; removed ones are deleted). */
  articles: Map<string, FakeZaloArticle>;
  /** OA access tokens Zalo accepts now (live: a refresh adds one, `expire` takes one out). */
  accessTokens: Set<string>;
  /** Refresh tokens Zalo accepts now (live: each works once, a refresh adds its successor). */
  refreshTokens: Set<string>;
  /** The token has expired (OA tokens last about 25 hours): the API answers -216 to it. */
  expire(accessToken: string): void;
  fail(...faults: ZaloFault[]): void;
  close(): Promise<void>;
}

/** Zalo's error codes the fake uses (an OA API answers HTTP 200 with `error` ≠ 0). */
const ZALO_ERROR = {
  rateLimit: -32,
  invalidParameter: -201,
  accessToken: -216,
  /** OAuth (`/v4/oa/access_token`) codes; illustrative: Loa reads any non-zero code as a refusal. */
  oauthInvalidApp: -14002,
  oauthInvalidRefreshToken: -14014,
} as const;

/** The text limits Zalo's article editor applies, which the fake enforces. */
const ZALO_LIMITS = { title: 150, description: 300, author: 50 } as const;

type Answer = { status: number; body: unknown; headers?: Record<string, string>; html?: boolean };

/**
 * A stand-in for the Zalo Official Account article API (v2.0): `POST /v2.0/article/create` answers a
 * token, `POST /v2.0/article/verify {token}` the article id, `POST /v2.0/article/update {id, …}` a
 * token, `POST /v2.0/article/remove {id}`. The OA token is read from the `access_token` header;
 * failures are HTTP 200 with `{error: <negative code>, message}`, as Zalo answers them. On the same
 * server, what Zalo serves at https://oauth.zaloapp.com: `POST /v4/oa/access_token` with the
 * `secret_key` header and form `refresh_token, app_id, grant_type=refresh_token` answers
 * `{access_token, refresh_token, expires_in}` (the refresh token is spent: single use), or HTTP 200
 * `{error, error_name, error_reason, error_description}`.
 */
export async function startFakeZalo(options: FakeZaloOptions = {}): Promise<FakeZalo> {
  const accessTokens = new Set([options.accessToken ?? 'zalo-fake-oa-token']);
  const refreshTokens = new Set(options.refreshToken ? [options.refreshToken] : []);
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
        ...(/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') && {
          form: Object.fromEntries(new URLSearchParams(raw)),
        }),
      };
      requests.push(request);
      const fault = faults.shift();
      if (fault?.kind === 'hang') return;
      reply(res, fault && fault.kind !== 'pass' ? faultAnswer(fault) : handle(request));
    });
  });

  function handle(request: FakeZaloRequest): Answer {
    if (request.method === 'POST' && request.path === '/v4/oa/access_token') return refresh(request);
    if (request.method !== 'POST' || !request.path.startsWith('/v2.0/article/')) {
      return ok404();
    }
    if (!accessTokens.has(String(request.headers.access_token ?? ''))) {
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

  /** The OA token refresh: the app checked, then the refresh token spent and a new pair issued. */
  function refresh(request: FakeZaloRequest): Answer {
    const form = request.form ?? {};
    const app = options.app;
    if (!app || form.app_id !== app.appId || request.headers.secret_key !== app.secretKey) {
      return oauthError(ZALO_ERROR.oauthInvalidApp, 'Invalid app_id or secret_key', 'App is invalid');
    }
    if (form.grant_type !== 'refresh_token' || !form.refresh_token) {
      return oauthError(-14001, 'Invalid parameter', 'grant_type or refresh_token is missing');
    }
    if (!refreshTokens.delete(form.refresh_token)) {
      return oauthError(
        ZALO_ERROR.oauthInvalidRefreshToken,
        'Invalid refresh token',
        'Refresh token is invalid or expired',
      );
    }
    const next = {
      access: randomBytes(48).toString('base64url'),
      refresh: randomBytes(48).toString('base64url'),
    };
    accessTokens.add(next.access);
    refreshTokens.add(next.refresh);
    return {
      status: 200,
      body: { access_token: next.access, refresh_token: next.refresh, expires_in: '90000' },
    };
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
    accessTokens,
    refreshTokens,
    expire: (token) => {
      accessTokens.delete(token);
    },
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

/** An error of Zalo's OAuth host: HTTP 200, as its API answers, in the OAuth fields. */
function oauthError(error: number, reason: string, description: string): Answer {
  return {
    status: 200,
    body: {
      error_name: 'Invalid parameter',
      error_reason: reason,
      ref_doc:
        'https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen-cho-ung-dung-new',
      error_description: description,
      error,
    },
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
