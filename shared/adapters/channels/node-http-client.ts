import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import {
  resolvedAddressProblem,
  type TargetPolicy,
  TargetRefusedError,
  targetUrlProblem,
} from '#domain/target-policy.ts';
import type { HttpClient, HttpRequest, HttpResult } from '#ports/http-client.ts';

/** Resolves a host name to every address it has (dns.lookup's signature, `all: true`). */
export type Resolve = (
  host: string,
  callback: (error: Error | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: Resolve = (host, callback) => dnsLookup(host, { all: true, verbatim: true }, callback);

/** Bytes of a partner's answer we read: only its status matters, the rest keeps the connection reusable. */
const MAX_RESPONSE_BYTES = 64 * 1024;

interface NodeHttpClientOptions extends TargetPolicy {
  /** Name resolution, replaceable in tests. */
  resolve?: Resolve;
}

/**
 * Outbound partner requests with node:http(s): a per-request deadline, no redirects followed (a 3xx is
 * the partner's answer), kept-alive connections per worker, and the SSRF guard applied where the
 * connection is made. Every address the host resolves to is checked inside the socket's own lookup, so
 * the address checked is the address connected to (no window for DNS rebinding).
 */
export class NodeHttpClient implements HttpClient {
  readonly #policy: TargetPolicy;
  readonly #resolve: Resolve;
  // Idle sockets are closed before a partner's server would (Node's default keep-alive is 5 s), so
  // a request is not written onto a socket the partner is closing.
  readonly #agents = {
    'http:': new HttpAgent({ keepAlive: true, timeout: 4_000, maxSockets: 64, scheduling: 'lifo' }),
    'https:': new HttpsAgent({ keepAlive: true, timeout: 4_000, maxSockets: 64, scheduling: 'lifo' }),
  };

  constructor(options: NodeHttpClientOptions) {
    this.#policy = { allowPrivateTargets: options.allowPrivateTargets };
    this.#resolve = options.resolve ?? systemResolve;
  }

  /** Throws TargetRefusedError when the URL (or what its host resolves to) is not an allowed target. */
  post(...[url, headers, body, timeoutMs, signal]: Parameters<HttpClient['post']>): Promise<HttpResult> {
    return this.#send(
      { method: 'POST', url, headers, body, timeoutMs, ...(signal && { signal }) },
      'webhook URL',
    );
  }

  /** Any method; a stream body is piped with an inactivity deadline (see HttpRequest). */
  request(req: HttpRequest): Promise<HttpResult> {
    return this.#send(req, 'URL');
  }

  async #send(req: HttpRequest, what: string): Promise<HttpResult> {
    const problem = targetUrlProblem(req.url, this.#policy);
    if (problem) throw new TargetRefusedError(`${what} ${problem}`);
    const target = new URL(req.url);
    const started = performance.now();
    const durationMs = () => Math.round(performance.now() - started);
    const streamed = req.body instanceof Readable;
    const bytes: Uint8Array | undefined =
      req.body === undefined || req.body instanceof Readable
        ? undefined
        : typeof req.body === 'string'
          ? Buffer.from(req.body, 'utf8')
          : req.body;
    return new Promise<HttpResult>((resolve, reject) => {
      let settled = false;
      const finish = (result: HttpResult | Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        req.signal?.removeEventListener('abort', expire);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const headers = { ...req.headers, ...(bytes && { 'content-length': String(bytes.length) }) };
      const request = send(target, {
        method: req.method,
        headers,
        agent: this.#agents[target.protocol as 'http:' | 'https:'],
        lookup: this.#guardedLookup(target.hostname),
      });
      const expire = () => {
        finish({ kind: 'network-error', error: 'timeout', durationMs: durationMs() });
        request.destroy();
        if (streamed) (req.body as Readable).destroy();
      };
      let deadline = setTimeout(expire, req.timeoutMs);
      // The caller's abort (the Lambda about to time out) ends the attempt as the deadline would.
      if (req.signal?.aborted) queueMicrotask(expire);
      else req.signal?.addEventListener('abort', expire, { once: true });
      // A streamed body may take minutes: the deadline is then the longest time without progress.
      const progress = () => {
        if (settled) return;
        clearTimeout(deadline);
        deadline = setTimeout(expire, req.timeoutMs);
      };
      request.on('response', (res: IncomingMessage) => {
        const answer = {
          kind: 'response' as const,
          status: res.statusCode ?? 0,
          headers: flatHeaders(res.headers),
        };
        const chunks: Buffer[] = [];
        let read = 0;
        res.on('data', (chunk: Buffer) => {
          if (req.readBody && read < MAX_RESPONSE_BYTES) chunks.push(chunk);
          read += chunk.length;
          // A partner streaming an endless answer does not hold the worker: its status is known.
          if (read > MAX_RESPONSE_BYTES) res.destroy();
        });
        // The status line is the partner's answer, even if the body is then cut off.
        const done = () =>
          finish({
            ...answer,
            durationMs: durationMs(),
            ...(req.readBody && {
              body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
            }),
          });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
        if (streamed) (req.body as Readable).unpipe(request);
      });
      request.on('error', (error: Error) => {
        if (error instanceof TargetRefusedError) finish(error);
        else finish({ kind: 'network-error', error: describeNetworkError(error), durationMs: durationMs() });
      });
      if (!streamed) {
        request.end(bytes);
        return;
      }
      const source = req.body as Readable;
      source.on('data', progress);
      source.on('error', (error: Error) => {
        finish({ kind: 'network-error', error: `body stream: ${error.message}`, durationMs: durationMs() });
        request.destroy();
      });
      source.pipe(request);
    });
  }

  /** Closes idle kept-alive connections (tests, and the local runtime when it stops). */
  close(): void {
    this.#agents['http:'].destroy();
    this.#agents['https:'].destroy();
  }

  #guardedLookup(host: string): LookupFunction | undefined {
    const bare = host.replace(/^\[|\]$/g, '');
    return (_hostname, options, callback) => {
      this.#resolve(bare, (error, addresses) => {
        if (error) return callback(error as NodeJS.ErrnoException, '', 0);
        const list = addresses.filter((a) => !options.family || a.family === options.family);
        for (const a of list) {
          const problem = resolvedAddressProblem(bare, a.address, this.#policy);
          if (problem) return callback(new TargetRefusedError(problem), '', 0);
        }
        const first = list[0];
        if (!first) {
          return callback(Object.assign(new Error(`no address for ${bare}`), { code: 'ENOTFOUND' }), '', 0);
        }
        // Node asks for every address when it will try them in turn (autoSelectFamily).
        if (options.all) return callback(null, list);
        callback(null, first.address, first.family);
      });
    };
  }
}

function flatHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** A short reason: `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, or the error's message. */
function describeNetworkError(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' && error.message === 'socket hang up') return 'ECONNRESET (socket hang up)';
  return code ?? error.message;
}
