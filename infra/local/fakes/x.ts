import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twitterText from 'twitter-text';

/** One request the fake received. The authorization header is kept, so tests can check what was sent. */
interface FakeXRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (a form body: its fields), or undefined when there was none or it was not JSON. */
  body: unknown;
}

/** A post that is "on X": created and not deleted. */
interface FakeXPost {
  id: string;
  text: string;
  /** The post it answers (a correction reply). */
  inReplyTo?: string;
  createdAt: string;
}

/**
 * An answer forced on the next request, whatever it is: an error status (with the rate-limit window's
 * end for a 429, epoch seconds), `hang` (read the request, never answer: a timeout), or `pass` (answer
 * normally, to put a fault on a later request).
 */
type FakeXFault =
  | { pass: true }
  | { status: 429; resetAt?: number }
  | { status: 500 | 502 | 503 | 504 }
  | { hang: true };

interface FakeXOptions {
  /** Loopback port (default: any free one); the demo fixes it so stored base URLs survive a restart. */
  port?: number;
  /** Bearer tokens X accepts (user-context access tokens). Default: `fake-x-access-token`. */
  accessTokens?: readonly string[];
  /** Requests per rate-limit window per token; past it X answers 429 until the window ends. */
  rateLimit?: { limit: number; windowSeconds: number };
  /**
   * The OAuth 2.0 app whose refresh tokens `POST /2/oauth2/token` takes: its client id and, for a
   * confidential client, the secret it must send as HTTP Basic auth. Without one, every refresh is refused.
   */
  client?: { clientId: string; clientSecret?: string };
  /** Refresh tokens X accepts at first (each works once: X rotates them). */
  refreshTokens?: readonly string[];
}

export interface FakeX {
  baseUrl: string;
  requests: FakeXRequest[];
  /** What the account shows now, by id. */
  posts: Map<string, FakeXPost>;
  /** Ids deleted, in order. */
  deleted: string[];
  /** Access tokens X accepts now (live: a refresh adds one, `expire` takes one out). */
  accessTokens: Set<string>;
  /** Refresh tokens X accepts now (live: a refresh spends one and adds its successor). */
  refreshTokens: Set<string>;
  /** The token is now expired: X answers 401 to it, as it does after a user token's 2 hours. */
  expire(accessToken: string): void;
  /** Forces the next answers, one per request, in order; then the API behaves normally again. */
  script(...faults: FakeXFault[]): void;
  close(): Promise<void>;
}

const DEFAULT_TOKEN = 'fake-x-access-token';

/**
 * X API v2 on loopback, as far as Loa uses it: `POST /2/tweets` and `DELETE /2/tweets/:id` with
 * OAuth 2.0 bearer tokens, X's problem-details error bodies, its refusals (too long by twitter-text's
 * weighting, duplicate content, unknown post) and its `x-rate-limit-*` headers on every answer; and
 * the OAuth 2.0 refresh `POST /2/oauth2/token` (form `grant_type=refresh_token&refresh_token&client_id`,
 * HTTP Basic for a confidential client), which rotates: a new access and refresh token each time, the
 * refresh token used no longer valid.
 */
export async function startFakeX(options: FakeXOptions = {}): Promise<FakeX> {
  const tokens = new Set(options.accessTokens ?? [DEFAULT_TOKEN]);
  const refreshTokens = new Set(options.refreshTokens ?? []);
  const limit = options.rateLimit ?? { limit: 300, windowSeconds: 15 * 60 };
  const requests: FakeXRequest[] = [];
  const posts = new Map<string, FakeXPost>();
  const deleted: string[] = [];
  const faults: FakeXFault[] = [];
  const windows = new Map<string, { resetAt: number; used: number }>();
  // X ids are snowflakes: numeric strings, increasing with time.
  let nextId = 1_800_000_000_000_000_000n;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '/';
      const form = /^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '');
      const body = form ? Object.fromEntries(new URLSearchParams(raw)) : parse(raw);
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });

      const next = faults.shift();
      if (next && 'hang' in next) return;
      const fault = next && 'pass' in next ? undefined : next;

      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const now = Math.floor(Date.now() / 1000);
      let window = windows.get(token);
      if (!window || window.resetAt <= now) {
        window = { resetAt: now + limit.windowSeconds, used: 0 };
        windows.set(token, window);
      }
      window.used++;
      const rate = (remaining: number, resetAt: number) => ({
        'x-rate-limit-limit': String(limit.limit),
        'x-rate-limit-remaining': String(Math.max(0, remaining)),
        'x-rate-limit-reset': String(resetAt),
      });
      const headers = rate(limit.limit - window.used, window.resetAt);

      if (fault) {
        if (fault.status === 429) {
          return send(res, 429, rate(0, fault.resetAt ?? window.resetAt), tooMany);
        }
        return send(res, fault.status, headers, {
          title: 'Service Unavailable',
          detail: 'Service Unavailable',
          type: 'about:blank',
          status: fault.status,
        });
      }
      if (req.method === 'POST' && path === '/2/oauth2/token') {
        return refresh(res, req.headers.authorization, (form ? body : {}) as Record<string, string>);
      }
      if (!tokens.has(token)) {
        return send(res, 401, headers, {
          title: 'Unauthorized',
          type: 'about:blank',
          status: 401,
          detail: 'Unauthorized',
        });
      }
      if (window.used > limit.limit) return send(res, 429, rate(0, window.resetAt), tooMany);

      if (req.method === 'POST' && path === '/2/tweets') return create(res, headers, body);
      const del = /^\/2\/tweets\/([^/?]+)$/.exec(path);
      if (req.method === 'DELETE' && del) return remove(res, headers, decodeURIComponent(del[1] ?? ''));
      return send(res, 404, headers, {
        errors: [{ message: 'The requested resource could not be found.' }],
        title: 'Not Found Error',
        detail: 'The requested resource could not be found.',
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      });
    });
  });

  /** X's token endpoint, for the refresh grant: checks the client, then spends and rotates the token. */
  function refresh(res: ServerResponse, authorization: string | undefined, form: Record<string, string>) {
    const client = options.client;
    const basic = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const clientId = form.client_id ?? basicId;
    if (
      !client ||
      clientId !== client.clientId ||
      (client.clientSecret !== undefined &&
        (basicId !== client.clientId || basicSecret !== client.clientSecret))
    ) {
      return send(
        res,
        401,
        {},
        {
          error: 'unauthorized_client',
          error_description: 'Missing valid authorization header',
        },
      );
    }
    if (form.grant_type !== 'refresh_token') {
      return send(
        res,
        400,
        {},
        {
          error: 'invalid_request',
          error_description: 'Missing required parameter [grant_type].',
        },
      );
    }
    if (!form.refresh_token || !refreshTokens.delete(form.refresh_token)) {
      return send(
        res,
        400,
        {},
        {
          error: 'invalid_request',
          error_description: 'Value passed for the token was invalid.',
        },
      );
    }
    const accessToken = randomBytes(32).toString('base64url');
    const refreshToken = randomBytes(32).toString('base64url');
    tokens.add(accessToken);
    refreshTokens.add(refreshToken);
    send(
      res,
      200,
      {},
      {
        token_type: 'bearer',
        expires_in: 7200,
        access_token: accessToken,
        scope: 'tweet.read tweet.write users.read offline.access',
        refresh_token: refreshToken,
      },
    );
  }

  function create(res: ServerResponse, headers: Record<string, string>, body: unknown) {
    const request = body as { text?: unknown; reply?: { in_reply_to_tweet_id?: unknown } } | undefined;
    const text = request?.text;
    if (typeof text !== 'string' || text === '') {
      return send(res, 400, headers, invalid('text', 'The `text` field must be a non-empty string.'));
    }
    const replyTo = request?.reply?.in_reply_to_tweet_id;
    if (replyTo !== undefined && (typeof replyTo !== 'string' || !/^\d{1,19}$/.test(replyTo))) {
      const message = 'The `reply.in_reply_to_tweet_id` query parameter value is not valid.';
      return send(res, 400, headers, invalid('reply.in_reply_to_tweet_id', message));
    }
    if (typeof replyTo === 'string' && !posts.has(replyTo)) {
      return send(res, 403, headers, {
        detail: 'You attempted to reply to a Tweet that is deleted or not visible to you.',
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
      });
    }
    if (twitterText.parseTweet(text).weightedLength > 280) {
      return send(res, 403, headers, {
        detail:
          'Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text.',
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
      });
    }
    if ([...posts.values()].some((p) => p.text === text)) {
      return send(res, 403, headers, {
        detail: 'You are not allowed to create a Tweet with duplicate content.',
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
      });
    }
    const id = String(nextId++);
    posts.set(id, {
      id,
      text,
      ...(typeof replyTo === 'string' && { inReplyTo: replyTo }),
      createdAt: new Date().toISOString(),
    });
    send(res, 201, headers, { data: { id, text, edit_history_tweet_ids: [id] } });
  }

  function remove(res: ServerResponse, headers: Record<string, string>, id: string) {
    if (!posts.delete(id)) {
      return send(res, 404, headers, {
        errors: [
          {
            value: id,
            detail: `Could not find tweet with id: [${id}].`,
            title: 'Not Found Error',
            resource_type: 'tweet',
            parameter: 'id',
            resource_id: id,
            type: 'https://api.twitter.com/2/problems/resource-not-found',
          },
        ],
        title: 'Not Found Error',
        detail: `Could not find tweet with id: [${id}].`,
        type: 'https://api.twitter.com/2/problems/resource-not-found',
      });
    }
    deleted.push(id);
    send(res, 200, headers, { data: { deleted: true } });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    posts,
    deleted,
    accessTokens: tokens,
    refreshTokens,
    expire: (accessToken) => {
      tokens.delete(accessToken);
    },
    script: (...next) => {
      faults.push(...next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const tooMany = { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 };

function invalid(parameter: string, message: string) {
  return {
    errors: [{ parameters: { [parameter]: [] }, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: 'https://api.twitter.com/2/problems/invalid-request',
  };
}

function parse(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
    .end(JSON.stringify(body));
}
