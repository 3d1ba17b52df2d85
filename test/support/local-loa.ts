import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '#adapters/aws/clients.ts';
import type { Delivery } from '#domain/delivery.ts';
import { LOCAL_CMS_ACCESS_KEY_ID } from '#infra/local/publishers.ts';
import { type LocalLoa, type LocalOptions, startLocal } from '#infra/local/runtime.ts';
import { BUS_NAME } from '#infra/wiring.ts';
import type { Article } from '#schemas/article.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';

export const OPS_TOKEN = 'test-ops-token-0123456789abcdef-local';

/** An event as a test (or a bench) puts it on the bus. */
export interface BusEntry {
  source: string;
  detailType: string;
  /** Sent as it is when a string (a malformed detail, say), else as JSON. */
  detail: unknown;
}

/** PutEvents entries for Loa's bus. */
export const busEntries = (entries: BusEntry[]): PutEventsRequestEntry[] =>
  entries.map((e) => ({
    EventBusName: BUS_NAME,
    Source: e.source,
    DetailType: e.detailType,
    Detail: typeof e.detail === 'string' ? e.detail : JSON.stringify(e.detail),
  }));

export interface TestLoa extends LocalLoa {
  dataDir: string;
  s3: S3Client;
  events: EventBridgeClient;
  /** Calls the ops API with the bearer token. */
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the response shape it asked for
  ops(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }>;
  /** An agreement's deliveries through the ops API, newest first (throws unless 200). */
  deliveriesOf(agreementId: string): Promise<Delivery[]>;
  /** Sends entries to the bus with the real EventBridge client; returns its result entries. */
  putEvents(entries: BusEntry[]): Promise<PutEventsResultEntry[]>;
  upload(key: string, body: Buffer | string, contentType?: string): Promise<void>;
  /** Uploads the article's assets (each as `image`) and approves it on the bus, as the CMS does. */
  approveArticle(article: Article, image: Buffer | string): Promise<PutEventsResultEntry[]>;
  /** Withdraws an article on the bus, as the CMS does (a reason left out is not sent). */
  withdrawArticle(articleId: string, withdrawnAt: string, reason?: string): Promise<PutEventsResultEntry[]>;
  close(): Promise<void>;
}

/** Starts the whole local runtime on free ports in a fresh data folder, with a fast retry policy. */
export async function startTestLoa(overrides: Partial<LocalOptions> = {}): Promise<TestLoa> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'loa-test-')));
  const loa = await startLocal({
    dataDir,
    port: 0,
    s3Port: 0,
    dynamoPort: 0,
    opsToken: OPS_TOKEN,
    contentBucket: 'loa-content',
    retryPolicy: { baseDelayMs: 20, maxDelayMs: 200, maxAttempts: 4, timeoutMs: 2000 },
    logLevel: 'SILENT',
    // Lambda's 1 s batching window becomes 20 ms: batches are still gathered, tests do not wait.
    batchingWindowScale: 0.02,
    ...overrides,
  });
  const s3 = s3Client('us-east-1', loa.s3Endpoint);
  const events = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: loa.baseUrl,
    credentials: { accessKeyId: LOCAL_CMS_ACCESS_KEY_ID, secretAccessKey: 'cms' },
  });
  const ops: TestLoa['ops'] = async (method, path, body) => {
    const res = await fetch(`${loa.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPS_TOKEN}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
  const putEvents: TestLoa['putEvents'] = async (entries) => {
    const out = await events.send(new PutEventsCommand({ Entries: busEntries(entries) }));
    return out.Entries ?? [];
  };
  const upload: TestLoa['upload'] = async (key, body, contentType = 'image/jpeg') => {
    await s3.send(
      new PutObjectCommand({ Bucket: 'loa-content', Key: key, Body: body, ContentType: contentType }),
    );
  };
  return {
    ...loa,
    dataDir,
    s3,
    events,
    ops,
    async deliveriesOf(agreementId) {
      const res = await ops('GET', `/ops/agreements/${agreementId}/deliveries`);
      if (res.status !== 200) throw new Error(`deliveries of ${agreementId}: HTTP ${res.status} ${res.text}`);
      return res.json.items as Delivery[];
    },
    putEvents,
    upload,
    async approveArticle(article, image) {
      for (const asset of article.assets) await upload(asset.uri.replace('s3://loa-content/', ''), image);
      return putEvents([
        { source: SOURCE.cms, detailType: DETAIL_TYPE.contentApproved, detail: { article } },
      ]);
    },
    withdrawArticle(articleId, withdrawnAt, reason) {
      return putEvents([
        {
          source: SOURCE.cms,
          detailType: DETAIL_TYPE.contentWithdrawn,
          detail: { articleId, withdrawnAt, reason },
        },
      ]);
    },
    async close() {
      s3.destroy();
      events.destroy();
      await loa.stop();
      if (!overrides.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
