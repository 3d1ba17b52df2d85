import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { verifyWebhook } from '#domain/webhook-signature.ts';

/** One PUT the fake ingest received, as it arrived (its signature headers included: tests check them). */
export interface FakeIngestRequest {
  method: string;
  /** The request's path as sent (percent-encoded). */
  url: string;
  /** The same, decoded: the file's path under the ingest's root. */
  path: string;
  headers: IncomingMessage['headers'];
  /** Bytes received, and their SHA-256 (hex). */
  sizeBytes: number;
  sha256: string;
  /** The body as UTF-8, for XML and text bodies up to 1 MiB. */
  text?: string;
  /** Whether the Standard Webhooks signature verified; undefined when the fake checks none. */
  verified?: boolean;
  /** What the fake answered; 0 when it hung. */
  status: number;
}

/** A file the fake ingest holds: the last PUT that succeeded on its path. */
interface FakeIngestFile {
  path: string;
  /** Where its bytes are on disk. */
  file: string;
  sizeBytes: number;
  sha256: string;
  contentType: string;
  text?: string;
}

/** A fault the fake answers instead of storing, once per matching request, in order. */
type IngestFault = (
  | /** Any status, with a JSON `{error}` body unless one is given. */ {
      kind: 'status';
      status: number;
      headers?: Record<string, string>;
      body?: unknown;
    }
  | /** 429 with `Retry-After` (seconds; default 30) and `RateLimit-*` headers. */ {
      kind: 'rate-limit';
      retryAfterSeconds?: number;
    }
  | /** Stops reading the request's body and never answers. */ { kind: 'hang' }
) & {
  /** Only for a request whose decoded path ends with this (`newsml.xml`); any request otherwise. */
  on?: string;
};

interface FakeIngestOptions {
  /** Loopback port (default: any free one); the demo fixes it so stored URLs survive a restart. */
  port?: number;
  /**
   * The Standard Webhooks secret PUTs must be signed with, or a lookup of it (the demo reads the
   * secret store, since the secret exists only once the agreement does). Absent: nothing verified.
   */
  secret?: string | (() => Promise<string | undefined>);
  /** Where files are written; a fresh temporary directory (removed on close) by default. */
  dir?: string;
}

export interface FakeIngest {
  /** `http://127.0.0.1:<port>/ingest`, what a broadcast channel's `url` is set to. */
  baseUrl: string;
  dir: string;
  requests: FakeIngestRequest[];
  /** Stored files by decoded path under the root (e.g. `hagiang/v1/newsml.xml`). */
  files: Map<string, FakeIngestFile>;
  fail(...faults: IngestFault[]): void;
  close(): Promise<void>;
}

/** Standard Webhooks' replay window. */
const TOLERANCE_SECONDS = 5 * 60;
const ROOT = '/ingest/';
/** Text bodies are kept in memory up to this; everything is written to disk, hashed on the way. */
const TEXT_LIMIT = 1024 * 1024;
const isText = (contentType: string) => /xml|^text\//i.test(contentType);

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/**
 * A broadcaster's HTTP ingest endpoint, as Loa's broadcast channel expects one (docs/broadcast.md):
 * `PUT /ingest/{path}` stores the body at {path} (201 new, 200 replaced), streamed to disk and hashed,
 * never held whole. As a partner would, it requires `content-length` (411) and checks the Standard
 * Webhooks signature (401): over the body for XML, over `PUT <url path> <content-length>` for media,
 * whose hashes the newsml.xml pushed last lists. Errors are JSON `{error}`; 429s carry `Retry-After`
 * and `RateLimit-Limit/Remaining/Reset`.
 */
export async function startFakeIngest(options: FakeIngestOptions = {}): Promise<FakeIngest> {
  const own = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'loa-fake-ingest-')));
  // A given folder may not exist yet (the demo's, on a first start).
  await mkdir(dir, { recursive: true });
  const requests: FakeIngestRequest[] = [];
  const files = new Map<string, FakeIngestFile>();
  const faults: IngestFault[] = [];
  let incoming = 0;

  const secretOf = async () =>
    typeof options.secret === 'function' ? await options.secret() : options.secret;

  const reply = (res: ServerResponse, answer: Answer) => {
    res
      .writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8', ...answer.headers })
      .end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    return answer.status;
  };

  const takeFault = (path: string): IngestFault | undefined => {
    const i = faults.findIndex((f) => !f.on || path.endsWith(f.on));
    return i < 0 ? undefined : faults.splice(i, 1)[0];
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // The path exactly as sent, which is what a media PUT's signature covers.
    const url = (req.url ?? '/').split('?')[0] ?? '/';
    const contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
    const record: FakeIngestRequest = {
      method: req.method ?? '',
      url,
      path: '',
      headers: req.headers,
      sizeBytes: 0,
      sha256: '',
      status: 0,
    };
    requests.push(record);
    const refuse = async (answer: Answer) => {
      req.resume();
      record.status = reply(res, answer);
    };
    if (req.method !== 'PUT')
      return refuse({ status: 405, body: { error: 'only PUT' }, headers: { allow: 'PUT' } });
    const path = decodedPath(url);
    if (!path) {
      return refuse({ status: 400, body: { error: `path must be ${ROOT}{segments} without "." or ".."` } });
    }
    record.path = path;
    const declared = req.headers['content-length'];
    if (declared === undefined) return refuse({ status: 411, body: { error: 'content-length required' } });

    const fault = takeFault(path);
    if (fault?.kind === 'hang') {
      // Stops reading and never answers: the sender sees its body stall, then silence.
      req.pause();
      return;
    }

    // The body is read in full before any answer, as proxies in front of ingest servers do.
    const tmp = join(dir, `.incoming-${++incoming}`);
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = isText(contentType);
    await pipeline(
      req,
      new Transform({
        transform(chunk: Buffer, _enc, callback) {
          hash.update(chunk);
          size += chunk.length;
          if (keep && size <= TEXT_LIMIT) chunks.push(chunk);
          callback(null, chunk);
        },
      }),
      createWriteStream(tmp),
    );
    record.sizeBytes = size;
    record.sha256 = hash.digest('hex');
    const text = keep && size <= TEXT_LIMIT ? Buffer.concat(chunks).toString('utf8') : undefined;
    if (text !== undefined) record.text = text;
    const discard = async (answer: Answer) => {
      await unlink(tmp).catch(() => undefined);
      record.status = reply(res, answer);
    };

    if (fault?.kind === 'status') {
      return discard({
        status: fault.status,
        headers: fault.headers ?? {},
        body: fault.body ?? { error: `ingest answered ${fault.status}` },
      });
    }
    if (fault?.kind === 'rate-limit') {
      const wait = String(fault.retryAfterSeconds ?? 30);
      return discard({
        status: 429,
        headers: {
          'retry-after': wait,
          'ratelimit-limit': '60',
          'ratelimit-remaining': '0',
          'ratelimit-reset': wait,
        },
        body: { error: 'rate limited: too many PUTs' },
      });
    }

    if (keep && size > TEXT_LIMIT) {
      return discard({ status: 413, body: { error: `XML bodies are limited to ${TEXT_LIMIT} bytes` } });
    }
    if (size !== Number(declared)) {
      return discard({
        status: 400,
        body: { error: `received ${size} bytes, content-length said ${declared}` },
      });
    }
    if (options.secret !== undefined) {
      const problem = await signatureProblem(req, await secretOf(), text, url, size);
      record.verified = problem === undefined;
      if (problem) return discard({ status: 401, body: { error: problem } });
    }
    const target = join(dir, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await rename(tmp, target);
    const existed = files.has(path);
    files.set(path, {
      path,
      file: target,
      sizeBytes: size,
      sha256: record.sha256,
      contentType,
      ...(text !== undefined && { text }),
    });
    record.status = reply(res, {
      status: existed ? 200 : 201,
      body: { path, sizeBytes: size, sha256: record.sha256 },
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) reply(res, { status: 500, body: { error: `ingest failed: ${error.message}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${ROOT.slice(0, -1)}`,
    dir,
    requests,
    files,
    fail: (...more) => void faults.push(...more),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (own) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The path under the root, decoded; undefined when it escapes it or has empty, `.` or `..` segments. */
function decodedPath(url: string): string | undefined {
  if (!url.startsWith(ROOT)) return undefined;
  try {
    const segments = url.slice(ROOT.length).split('/').map(decodeURIComponent);
    const bad = (s: string) => s === '' || s === '.' || s === '..' || /[/\\\0]/.test(s);
    return segments.some(bad) ? undefined : segments.join('/');
  } catch {
    return undefined;
  }
}

/** Why a PUT's signature does not verify, as a partner would check it; undefined when it does. */
async function signatureProblem(
  req: IncomingMessage,
  secret: string | undefined,
  text: string | undefined,
  url: string,
  size: number,
): Promise<string | undefined> {
  if (!secret) return 'no signing secret configured for this ingest';
  const id = req.headers['webhook-id'];
  const timestamp = Number(req.headers['webhook-timestamp']);
  const signature = req.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof signature !== 'string' || !Number.isInteger(timestamp)) {
    return 'webhook-id, webhook-timestamp and webhook-signature are required';
  }
  if (Math.abs(Date.now() / 1000 - timestamp) > TOLERANCE_SECONDS)
    return 'webhook-timestamp outside tolerance';
  // XML is signed over its body; media, streamed, over its request line and length.
  const content = text ?? `PUT ${url} ${size}`;
  return verifyWebhook(secret, id, timestamp, content, signature) ? undefined : 'signature does not verify';
}
