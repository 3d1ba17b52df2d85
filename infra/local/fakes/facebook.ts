import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Graph API received, as it arrived (the token included: tests check where it went). */
interface FakeFacebookRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The raw body, UTF-8. */
  raw: string;
  /** The body's parameters, from a form or a JSON object. */
  params: Record<string, string>;
}

/** A fault the fake answers instead of doing what was asked, once per request, in order. */
export type FacebookFault =
  /** Throttled: `(#4)`, `(#17)`, `(#32)`, `(#613)` or a Business Use Case `80001`, with usage headers at 100%. */
  | {
      kind: 'rate-limit';
      code?: 4 | 17 | 32 | 613 | 80001;
      regainMinutes?: number;
      retryAfterSeconds?: number;
    }
  /** A 500 with `is_transient: true` (code 2, "Service temporarily unavailable"). */
  | { kind: 'transient' }
  /** `(#190)` as if the page token had expired. */
  | { kind: 'token-expired' }
  /** `(#506)` duplicate status message. */
  | { kind: 'duplicate' }
  /** Any Graph error. */
  | { kind: 'error'; status: number; code: number; subcode?: number; message: string; type?: string }
  /** Reads the request, then never answers. */
  | { kind: 'hang' }
  /** Answers this request normally (to fault a later one). */
  | { kind: 'pass' };

interface FakeFacebookOptions {
  /** Loopback port (default: any free one); the demo fixes it so stored base URLs survive a restart. */
  port?: number;
  /** The page posts go to (default `1000000001`). */
  pageId?: string;
  /** The page access token the fake accepts (default `EAAfakePageToken`). */
  accessToken?: string;
  /** Graph version prefix in paths (default `v21.0`). */
  version?: string;
}

export interface FakeFacebook {
  /** `http://127.0.0.1:<port>/v21.0`, what a channel's `baseUrl` is set to. */
  baseUrl: string;
  pageId: string;
  requests: FakeFacebookRequest[];
  /** The page's feed: post id → what was posted. */
  posts: Map<string, { message?: string; link?: string }>;
  /** Answers the next requests with these faults, one each, before behaving again. */
  fail(...faults: FacebookFault[]): void;
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

/**
 * A stand-in for the Graph API of one Facebook page: `POST /{page-id}/feed` (form or JSON, `message`
 * and `link`), `DELETE /{post-id}`, the page token checked from `Authorization: Bearer` or an
 * `access_token` parameter, Graph's error bodies `{error: {message, type, code, error_subcode,
 * fbtrace_id}}`, and the usage headers Graph sends (`x-app-usage`; `x-business-use-case-usage`, whose
 * `estimated_time_to_regain_access` is in minutes, when throttled).
 */
export async function startFakeFacebook(options: FakeFacebookOptions = {}): Promise<FakeFacebook> {
  const pageId = options.pageId ?? '1000000001';
  const accessToken = options.accessToken ?? 'EAAfakePageToken';
  const version = options.version ?? 'v21.0';
  const requests: FakeFacebookRequest[] = [];
  const posts = new Map<string, { message?: string; link?: string }>();
  const faults: FacebookFault[] = [];
  let next = 1;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://fake');
      const request: FakeFacebookRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        headers: req.headers,
        raw,
        params: paramsOf(raw, req.headers['content-type']),
      };
      requests.push(request);
      const fault = faults.shift();
      if (fault?.kind === 'hang') return;
      const answer = fault && fault.kind !== 'pass' ? faultAnswer(fault) : handle(request, url);
      reply(res, answer);
    });
  });

  function handle(request: FakeFacebookRequest, url: URL): Answer {
    const given = tokenOf(request, url);
    if (!given)
      return graphError(400, 104, 'An access token is required to request this resource.', 'OAuthException');
    if (given !== accessToken) {
      return graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token', 'OAuthException');
    }
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== version || parts.length < 2) {
      return graphError(400, 2500, `Unknown path components: ${url.pathname}`, 'OAuthException');
    }
    const [, node, edge] = parts as [string, string, string | undefined];
    if (request.method === 'POST' && edge === 'feed' && parts.length === 3) {
      if (node !== pageId) return unsupported('post', node);
      const { message, link } = request.params;
      if (!message && !link) return graphError(400, 100, '(#100) Missing message or attachment');
      const id = `${pageId}_${next++}`;
      posts.set(id, { ...(message !== undefined && { message }), ...(link !== undefined && { link }) });
      return { status: 200, body: { id } };
    }
    if (request.method === 'DELETE' && parts.length === 2) {
      if (!posts.delete(node)) return unsupported('delete', node);
      return { status: 200, body: { success: true } };
    }
    return unsupported(request.method.toLowerCase(), node);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/${version}`,
    pageId,
    requests,
    posts,
    fail: (...more) => faults.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The token as Graph reads it: the bearer header first, then an `access_token` parameter anywhere. */
function tokenOf(request: FakeFacebookRequest, url: URL): string | undefined {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7);
  return request.params.access_token ?? url.searchParams.get('access_token') ?? undefined;
}

function paramsOf(raw: string, contentType: string | undefined): Record<string, string> {
  if (raw === '') return {};
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

/** Usage at `percent` of the app's and the page's limits, as Graph reports it. */
function usageHeaders(percent: number, regainMinutes = 0): Record<string, string> {
  const usage = {
    call_count: percent,
    total_cputime: Math.min(percent, 25),
    total_time: Math.min(percent, 25),
  };
  return {
    'x-app-usage': JSON.stringify(usage),
    'x-business-use-case-usage': JSON.stringify({
      '1000000099': [{ type: 'pages', ...usage, estimated_time_to_regain_access: regainMinutes }],
    }),
  };
}

const RATE_LIMIT_MESSAGES: Record<number, string> = {
  4: '(#4) Application request limit reached',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  613: '(#613) Calls to this api have exceeded the rate limit.',
  80001: '(#80001) There have been too many calls to this Page account. Wait a bit and try again.',
};

function faultAnswer(fault: Exclude<FacebookFault, { kind: 'hang' | 'pass' }>): Answer {
  switch (fault.kind) {
    case 'rate-limit': {
      const code = fault.code ?? 4;
      const answer = graphError(400, code, RATE_LIMIT_MESSAGES[code] ?? 'rate limited', 'OAuthException', {
        is_transient: true,
      });
      answer.headers = {
        ...usageHeaders(100, fault.regainMinutes),
        ...(fault.retryAfterSeconds !== undefined && { 'retry-after': String(fault.retryAfterSeconds) }),
      };
      return answer;
    }
    case 'transient':
      return graphError(
        500,
        2,
        'An unexpected error has occurred. Please retry your request later.',
        'OAuthException',
        {
          is_transient: true,
        },
      );
    case 'token-expired':
      return graphError(
        400,
        190,
        'Error validating access token: Session has expired on Tuesday, 01-Jul-25 01:00:00 PDT.',
        'OAuthException',
        { error_subcode: 463 },
      );
    case 'duplicate':
      return graphError(400, 506, 'Duplicate status message');
    case 'error':
      return graphError(fault.status, fault.code, fault.message, fault.type, {
        ...(fault.subcode !== undefined && { error_subcode: fault.subcode }),
      });
  }
}

/** What Graph answers for an id that does not exist (or is not the caller's to touch). */
function unsupported(verb: string, id: string): Answer {
  return graphError(
    400,
    100,
    `Unsupported ${verb} request. Object with ID '${id}' does not exist, cannot be loaded due to missing ` +
      'permissions, or does not support this operation. Please read the Graph API documentation at ' +
      'https://developers.facebook.com/docs/graph-api',
    'GraphMethodException',
    { error_subcode: 33 },
  );
}

function graphError(
  status: number,
  code: number,
  message: string,
  type = 'OAuthException',
  extra: Record<string, unknown> = {},
): Answer {
  return {
    status,
    body: { error: { message, type, code, ...extra, fbtrace_id: randomBytes(8).toString('base64url') } },
  };
}

function reply(res: ServerResponse, answer: Answer): void {
  res
    .writeHead(answer.status, {
      'content-type': 'application/json; charset=UTF-8',
      ...usageHeaders(3),
      ...answer.headers,
    })
    .end(JSON.stringify(answer.body));
}
