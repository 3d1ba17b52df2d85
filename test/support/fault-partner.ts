import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { unusedPort } from './ports.ts';

/** What the partner does with one request. */
export type Fault =
  /** Answers `status` (with headers), after `delayMs` if given: a slow answer past Loa's timeout. */
  | { kind: 'answer'; status: number; headers?: Record<string, string>; delayMs?: number }
  /** Reads the start of the request body, then resets the connection (TCP RST). */
  | { kind: 'reset' };

/** One request as the partner saw it. `attempt` counts requests with the same webhook-id, from 1. */
export interface PartnerRequest {
  path: string;
  webhookId: string;
  attempt: number;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
  signatureValid?: boolean;
}

/** Decides, per request, what the partner does. */
export type Script = (req: PartnerRequest) => Fault;

export const ok: Fault = { kind: 'answer', status: 200 };
export const status = (s: number, headers?: Record<string, string>): Fault => ({
  kind: 'answer',
  status: s,
  ...(headers && { headers }),
});
export const slow = (delayMs: number, then = 200): Fault => ({ kind: 'answer', status: then, delayMs });
export const reset: Fault = { kind: 'reset' };

/** Fails the first `n` requests of each webhook-id with `fault`, then answers 200. */
export const afterFailures =
  (n: number, fault: Fault | ((req: PartnerRequest) => Fault)): Script =>
  (req) =>
    req.attempt <= n ? (typeof fault === 'function' ? fault(req) : fault) : ok;

/**
 * A partner's web CMS on loopback whose every answer is programmable: 5xx, 429 or 503 with their
 * wait headers, 408, answers slower than Loa's timeout, a connection reset mid-body, or an answer
 * after 20 seconds. It counts, per webhook-id, the 2xx answers that actually went out on a live
 * connection: what the partner would have acted upon.
 */
export class FaultPartner {
  readonly requests: PartnerRequest[] = [];
  /** Per webhook-id, when a 2xx answer was written in full to a connection Loa still held. */
  readonly successes = new Map<string, number[]>();
  /** Set it to check every request's Standard Webhooks signature. */
  secret: string | undefined;
  baseUrl = '';
  readonly #attempts = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #server: Server | undefined;

  constructor(private script: Script) {}

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const webhookId = String(req.headers['webhook-id'] ?? '');
      const attempt = (this.#attempts.get(webhookId) ?? 0) + 1;
      this.#attempts.set(webhookId, attempt);
      const seen: Omit<PartnerRequest, 'body'> = {
        path: req.url ?? '/',
        webhookId,
        attempt,
        headers: req.headers,
        receivedAt: Date.now(),
      };
      const fault = this.script({ ...seen, body: '' });
      if (fault.kind === 'reset') {
        req.once('data', () => (req.socket as Socket).resetAndDestroy());
        this.requests.push({ ...seen, body: '' });
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({
          ...seen,
          body,
          ...(this.secret && { signatureValid: this.#verify(body, req.headers) }),
        });
        const answer = () => this.#answer(res, webhookId, fault.status, fault.headers ?? {});
        if (!fault.delayMs) return answer();
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          answer();
        }, fault.delayMs);
        this.#timers.add(timer);
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Changes the script from now on. */
  behave(script: Script): void {
    this.script = script;
  }

  url(path = '/hook'): string {
    return `${this.baseUrl}${path}`;
  }

  /** Webhook-ids that succeeded more than once: a duplicate the partner would have acted on twice. */
  duplicateSuccesses(): string[] {
    return [...this.successes].filter(([, at]) => at.length > 1).map(([id]) => id);
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await new Promise<void>((resolve) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => resolve());
    });
  }

  #answer(res: ServerResponse, webhookId: string, code: number, headers: Record<string, string>): void {
    // Loa gave up (its timeout) and closed its end of the connection: this answer reaches no one.
    const socket = res.socket;
    if (res.destroyed || !socket || socket.destroyed || socket.readableEnded) return;
    res.on('finish', () => {
      if (code >= 200 && code < 300)
        this.successes.set(webhookId, [...(this.successes.get(webhookId) ?? []), Date.now()]);
    });
    res.writeHead(code, headers).end(code >= 200 && code < 300 ? '{"ok":true}' : '{"error":"injected"}');
  }

  #verify(body: string, headers: IncomingHttpHeaders): boolean {
    try {
      new Webhook(this.secret ?? '').verify(body, headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  }
}

/** A URL on loopback where nothing listens: every request is refused (ECONNREFUSED). */
export async function refusedUrl(path = '/hook'): Promise<string> {
  return `http://127.0.0.1:${await unusedPort()}${path}`;
}
