/** The ops API as the CLI sees it: one request function, errors mapped to exit codes scripts can trust. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AwsCredentials, defaultCredentials, regionOf, signRequest } from './sigv4.ts';

export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, auth: 4 } as const;
type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports on stderr and turns into its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

type Auth =
  | { kind: 'token'; token: string }
  | { kind: 'sigv4'; region: string; credentials: () => Promise<AwsCredentials> };

export interface ApiClient {
  endpoint: string;
  auth: Auth;
  request(method: string, path: string, body?: unknown): Promise<unknown>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The endpoint: `--endpoint`, else LOA_ENDPOINT, else the local server. */
export function endpointOf(flag: string | undefined, env: NodeJS.ProcessEnv): URL {
  const raw = flag ?? env.LOA_ENDPOINT ?? `http://127.0.0.1:${env.LOA_PORT ?? 4010}`;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url;
  } catch {
    throw new CliError(`--endpoint ${raw} is not an http(s) URL`, EXIT.usage);
  }
}

/**
 * How to authenticate: LOA_OPS_TOKEN; else, for the local server, the token it keeps in its data
 * folder; else, for an https endpoint (the deployed API), SigV4 with the caller's AWS credentials.
 */
export async function authFor(endpoint: URL, env: NodeJS.ProcessEnv): Promise<Auth> {
  if (env.LOA_OPS_TOKEN) return { kind: 'token', token: env.LOA_OPS_TOKEN };
  if (LOOPBACK.has(endpoint.hostname)) {
    const file = join(env.LOA_DATA_DIR ?? '.loa', 'ops-token');
    const token = await readFile(file, 'utf8').then(
      (t) => t.trim(),
      () => undefined,
    );
    if (token) return { kind: 'token', token };
  }
  if (endpoint.protocol === 'https:') {
    const region = regionOf(endpoint, env.AWS_REGION ?? env.AWS_DEFAULT_REGION);
    if (!region)
      throw new CliError(`cannot tell the AWS region of ${endpoint.host}: set AWS_REGION`, EXIT.usage);
    let memo: Promise<AwsCredentials> | undefined;
    return { kind: 'sigv4', region, credentials: () => (memo ??= defaultCredentials()) };
  }
  throw new CliError(
    'no ops token: set LOA_OPS_TOKEN (the local server keeps one in <data folder>/ops-token)',
    EXIT.auth,
  );
}

/** The headers that authenticate one request. */
export async function authHeaders(
  auth: Auth,
  req: { method: string; url: string; headers: Record<string, string>; body?: string },
): Promise<Record<string, string>> {
  if (auth.kind === 'token') return { ...req.headers, authorization: `Bearer ${auth.token}` };
  let credentials: AwsCredentials;
  try {
    credentials = await auth.credentials();
  } catch (error) {
    throw new CliError(`no AWS credentials for SigV4: ${(error as Error).message}`, EXIT.auth);
  }
  return signRequest(req, { credentials, region: auth.region });
}

function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

export function makeClient(endpoint: URL, auth: Auth, fetchImpl: typeof fetch = fetch): ApiClient {
  const base = endpoint.href.replace(/\/+$/, '');
  return {
    endpoint: base,
    auth,
    async request(method, path, body) {
      const url = `${base}${path}`;
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers = await authHeaders(auth, {
        method,
        url,
        headers: {
          accept: 'application/json',
          ...(payload !== undefined && { 'content-type': 'application/json' }),
        },
        ...(payload !== undefined && { body: payload }),
      });
      let res: Response;
      try {
        res = await fetchImpl(url, { method, headers, ...(payload !== undefined && { body: payload }) });
      } catch (error) {
        throw new CliError(`cannot reach ${base}: ${describeFailure(error)}`, EXIT.unreachable);
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      if (res.ok) return json;
      // RFC 9457 problem details (`detail`); `error` is what older servers answered.
      const detail = (json as { detail?: string; error?: string } | undefined) ?? {};
      const message = detail.detail ?? detail.error ?? (text.trim() || `HTTP ${res.status}`);
      if (res.status === 401 || res.status === 403) {
        const hint =
          auth.kind === 'token' ? 'check LOA_OPS_TOKEN' : 'check your AWS identity may invoke the ops API';
        throw new CliError(`${base} refused the credentials (HTTP ${res.status}): ${hint}`, EXIT.auth, json);
      }
      if (res.status >= 500)
        throw new CliError(`${base} failed (HTTP ${res.status}): ${message}`, EXIT.unreachable, json);
      throw new CliError(`refused (HTTP ${res.status}): ${message}`, EXIT.refused, json);
    },
  };
}
