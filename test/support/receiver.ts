import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  bytes: Buffer;
}

export type Reply = { status: number; headers?: Record<string, string>; body?: string };

/**
 * A partner's web CMS on loopback: records every request, and answers per path from a script
 * the test can change at any time (a queue of replies, then the default).
 */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly scripts = new Map<string, Reply[]>();
  private readonly defaults = new Map<string, Reply>();
  private server: Server | undefined;
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const path = req.url ?? '/';
        this.requests.push({ path, headers: req.headers, body: bytes.toString('utf8'), bytes });
        const reply = this.scripts.get(path)?.shift() ?? this.defaults.get(path) ?? { status: 200 };
        res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answers `path` with these replies in order, then with `then` (200 by default). */
  script(path: string, replies: Reply[], then: Reply = { status: 200 }): string {
    this.scripts.set(path, [...replies]);
    this.defaults.set(path, then);
    return `${this.baseUrl}${path}`;
  }

  to(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}
