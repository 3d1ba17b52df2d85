/**
 * Fan-out: N approvals × M webhook agreements through the local runtime (bus → package → route →
 * queue → deliver-webhook) to a loopback sink in a child process that answers 200 at once, beside
 * two baselines at the same concurrency, in the same run:
 *   (a) raw signed POSTs with undici;
 *   (b) the unavoidable work of a delivery done directly: the same conditional create and outcome
 *       writes against the same dynalite, plus the signed POST.
 * Rounds alternate the three (the machine is shared and drifts); ratios are medians of the rounds'.
 * The first Loa round is also counted: every AWS SDK request, Lambda invocations and durations,
 * secret reads (bench/requests.ts turns them into dollars).
 */

import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Pool } from 'undici';
import { dynamoClient, s3Client } from '#adapters/aws/clients.ts';
import { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import { mapBounded } from '#app/bounded.ts';
import { createAgreement } from '#app/create-agreement.ts';
import type { Delivery } from '#domain/delivery.ts';
import { deliveryIdFor, webhookMessageId } from '#domain/ids.ts';
import { signWebhook } from '#domain/webhook-signature.ts';
import { toNinjs } from '#formats/ninjs.ts';
import { s3Href } from '#formats/s3-href.ts';
import { webhookBody } from '#formats/webhook-payload.ts';
import { DELIVER_LIMITS } from '#functions/deliver.ts';
import { LOCAL_CMS_ACCESS_KEY_ID } from '#infra/local/publishers.ts';
import type { LocalLoa } from '#infra/local/runtime.ts';
import { type FunctionName, QUEUES } from '#infra/wiring.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Article } from '#schemas/article.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { busEntries } from '#test/support/local-loa.ts';
import { AwsCounter, type CallStats } from './aws-counter.ts';
import { type Figure, figure, median, type PartResult, quantile, round } from './figure.ts';
import { countSecretReads, invocationTimer, startBenchLoa } from './local.ts';

const env = process.env;
const N = Number(env.BENCH_APPROVALS ?? 50);
const M = Number(env.BENCH_AGREEMENTS ?? 20);
const ROUNDS = Number(env.BENCH_FANOUT_ROUNDS ?? 3);
const SINGLES = Number(env.BENCH_FANOUT_SINGLES ?? 5);
/** LocalQueues' default maxConcurrentBatches: webhook batches in flight at once. */
const CONCURRENCY = 4;
const WEBHOOK = (() => {
  const spec = QUEUES.find((q) => q.name === 'webhook');
  if (!spec) throw new Error('no webhook queue in infra/wiring.ts');
  return spec;
})();
/** Records per webhook batch (20), run at once by the worker (DELIVER_LIMITS.concurrency). */
const BATCH = WEBHOOK.batchSize;
const IN_BATCH = Math.min(BATCH, DELIVER_LIMITS.concurrency);
/** Requests in flight to one partner endpoint (the sink is one), shared by every batch of the worker. */
const PER_ENDPOINT = DELIVER_LIMITS.perEndpoint;
const CONTENT_BUCKET = 'loa-content';
const TIMEOUT_MS = 180_000;

const REPO = new URL('../', import.meta.url);
const SAMPLE = (
  JSON.parse(readFileSync(new URL('events/content-approved.vi.json', REPO), 'utf8')) as {
    Detail: { article: Article };
  }
).Detail.article;
const IMAGE = readFileSync(new URL('events/assets/ky-ket-vtv4.jpg', REPO));

const now = () => performance.timeOrigin + performance.now();

/** The sample article under a new id, its one image at a key of its own. */
export function articleNamed(articleId: string): Article {
  return {
    ...structuredClone(SAMPLE),
    articleId,
    assets: SAMPLE.assets.map((a) => ({
      ...a,
      uri: `s3://${CONTENT_BUCKET}/bench/${articleId}/${a.assetId}.jpg`,
    })),
  };
}

/** Uploads the article's assets (each the bench's image) to the content bucket, as the CMS does before approving. */
export async function uploadAssets(s3: S3Client, article: Article): Promise<void> {
  for (const asset of article.assets) {
    await s3.send(
      new PutObjectCommand({
        Bucket: CONTENT_BUCKET,
        Key: asset.uri.replace(`s3://${CONTENT_BUCKET}/`, ''),
        Body: IMAGE,
        ContentType: asset.mimeType,
      }),
    );
  }
}

export interface Arrival {
  t: number;
  article: string;
}

export class Sink {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<Sink> {
    const child = fork(new URL('fanout-sink.ts', import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)));
      child.once('message', (m: { ready?: number }) =>
        m.ready ? resolve(m.ready) : reject(new Error('sink?')),
      );
    });
    return new Sink(child, port);
  }

  /** What arrived since the last take. */
  take(): Promise<{ arrivals: Arrival[]; bytes: number }> {
    return new Promise((resolve) => {
      this.child.once('message', (m: { arrivals: Arrival[]; bytes: number }) => resolve(m));
      this.child.send({ cmd: 'take' });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'stop' });
    await exited;
  }
}

/** One run of the N × M deliveries by one contender. */
interface Run {
  deliveries: number;
  seconds: number;
  perSecond: number;
  /** Deliveries per second between the 10th and the 90th percentile of arrivals: the pace once under way. */
  steadyPerSecond: number;
  /** Submission → first arrival, ms. */
  firstMs: number;
  /** Submission → arrival at the sink, ms, per delivery. */
  latencies: number[];
  /**
   * Loa only: time the webhook queue's consumer sat idle only because of the batching window
   * (LocalQueues.windowHolds), ms; 0 for the baselines, which have no queue.
   */
  windowMs: number;
  /** Deliveries per second over the run's time less `windowMs`. */
  perSecondNoWindow: number;
}

function summarise(arrivals: Arrival[], sentAt: (article: string) => number, t0: number, windowMs = 0): Run {
  const latencies = arrivals.map((a) => a.t - sentAt(a.article));
  const times = arrivals.map((a) => a.t);
  const seconds = (Math.max(...times) - t0) / 1000;
  const [t10, t90] = [quantile(times, 0.1), quantile(times, 0.9)];
  return {
    deliveries: arrivals.length,
    seconds,
    perSecond: arrivals.length / seconds,
    steadyPerSecond: t90 > t10 ? (0.8 * arrivals.length) / ((t90 - t10) / 1000) : Number.NaN,
    firstMs: Math.min(...times) - t0,
    latencies,
    windowMs,
    perSecondNoWindow: arrivals.length / (seconds - windowMs / 1000),
  };
}

/** Rejects when `work` takes longer than `ms`: a stuck run ends the benchmark rather than hanging it. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the counted Loa round made, for bench/requests.ts. */
export interface FanoutCapture {
  approvals: number;
  agreements: number;
  deliveries: number;
  concurrency: number;
  /** ContentApproved entries the CMS (the bench) published: billed events, not made by Loa's clients. */
  cmsEvents: number;
  calls: Record<string, CallStats>;
  invocations: Record<string, { count: number; ms: number; failed: number }>;
  /**
   * The same functions' durations when one approval runs alone (as each Lambda invocation would, in a
   * container of its own): the burst runs 50 packagings and routings at once on two cores.
   */
  unloaded: Record<string, { count: number; ms: number; failed: number }>;
  secretReads: number;
  distinctSecrets: number;
  /** The distinct secrets read (names only): the master key, feed keys, stored signing secrets. */
  secretRefs: string[];
  seconds: number;
}

let captured: FanoutCapture | undefined;

interface Session {
  loa: LocalLoa;
  sink: Sink;
  counter: AwsCounter;
  agreements: Agreement[];
  secretsOf: Map<string, string>;
  invocations: Map<FunctionName, { count: number; ms: number; failed: number }>;
  /** Invocations are timed while true (the counted round, the single approvals). */
  timing: boolean;
  secretReads: string[];
}

/** Starts the sink and the local runtime (counting hooks on), and creates M webhook agreements. */
async function withSession<T>(fn: (s: Session) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'loa-bench-fanout-'));
  const sink = await Sink.start();
  const counter = new AwsCounter();
  const { times: invocations, onInvoke } = invocationTimer<FunctionName>(() => session?.timing === true);
  let loa: LocalLoa | undefined;
  let session: Session | undefined;
  try {
    loa = await startBenchLoa(dataDir, {
      contentBucket: CONTENT_BUCKET,
      allowPrivateTargets: true,
      clientHook: counter.hook,
      onInvoke,
      // The sweeper's periodic query would land in the counts at random; it is a fixed cost, not per delivery.
      sweep: { everyMs: 3_600_000, staleAfterMs: 3_600_000 },
    });
    const made: Session = {
      loa,
      sink,
      counter,
      agreements: [],
      secretsOf: new Map(),
      invocations,
      timing: false,
      secretReads: [],
    };
    session = made;
    // Secret reads are counted too: locally a file, on AWS Secrets Manager calls (cached per container).
    countSecretReads(loa, () => counter.enabled, made.secretReads);
    for (let i = 0; i < M; i++) {
      const id = `bench-partner-${String(i).padStart(2, '0')}`;
      const { agreement, generatedSecrets } = await createAgreement(loa.deps, {
        agreementId: id,
        partner: { partnerId: id, name: `Đối tác ${i}` },
        status: 'active',
        validFrom: '2024-01-01',
        validTo: '2099-12-31',
        topics: SAMPLE.topics.slice(0, 2),
        languages: ['vi'],
        channels: [{ type: 'webhook', url: `http://127.0.0.1:${sink.port}/partners/${id}` }],
        embargo: 'hold',
      });
      made.agreements.push(agreement);
      // Generated, as an operator's agreements are: derived from the master key, not stored.
      made.secretsOf.set(id, generatedSecrets.webhook ?? '');
    }
    return await fn(made);
  } finally {
    await loa?.stop();
    await sink.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Loa: N approvals put on the bus at once (PutEvents, 10 entries a call) → M deliveries each. */
async function loaRound(s: Session, tag: string, approvals: number, count: boolean): Promise<Run> {
  const { loa, sink, counter } = s;
  const s3 = s3Client('us-east-1', loa.s3Endpoint);
  const bus = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: loa.baseUrl,
    credentials: { accessKeyId: LOCAL_CMS_ACCESS_KEY_ID, secretAccessKey: 'cms' },
  });
  const articles = Array.from({ length: approvals }, (_, i) => articleNamed(`${tag}-a${i}`));
  for (const a of articles) await uploadAssets(s3, a);
  await loa.settled();
  await sink.take();
  counter.reset();
  if (count) s.invocations.clear();
  s.secretReads.length = 0;
  counter.enabled = count;
  if (count) s.timing = true;
  const sentAt = new Map<string, number>();
  loa.queues.windowHolds('webhook', true);
  const t0 = now();
  const chunks = Array.from({ length: Math.ceil(articles.length / 10) }, (_, i) =>
    articles.slice(i * 10, i * 10 + 10),
  );
  await Promise.all(
    chunks.map(async (chunk) => {
      for (const a of chunk) sentAt.set(a.articleId, now());
      const entries = chunk.map((article) => ({
        source: SOURCE.cms,
        detailType: DETAIL_TYPE.contentApproved,
        detail: { article },
      }));
      const out = await bus.send(new PutEventsCommand({ Entries: busEntries(entries) }));
      if (out.FailedEntryCount) throw new Error(`the bus refused ${out.FailedEntryCount} approvals`);
    }),
  );
  const expected = approvals * s.agreements.length;
  // Settled = bus and queues quiet: every delivery recorded and its outcome event published.
  await within(loa.settled(), TIMEOUT_MS, `fan-out ${tag}`);
  const windowMs = loa.queues.windowHolds('webhook').ms;
  const { arrivals } = await sink.take();
  counter.enabled = false;
  if (count) s.timing = false;
  if (arrivals.length !== expected) {
    throw new Error(`fan-out ${tag}: ${arrivals.length} of ${expected} deliveries arrived`);
  }
  const run = summarise(arrivals, (a) => sentAt.get(a) ?? t0, t0, windowMs);
  if (count) {
    captured = {
      approvals,
      agreements: s.agreements.length,
      deliveries: expected,
      concurrency: CONCURRENCY,
      cmsEvents: approvals,
      calls: counter.snapshot(),
      invocations: Object.fromEntries(s.invocations),
      unloaded: {},
      secretReads: s.secretReads.length,
      distinctSecrets: new Set(s.secretReads).size,
      secretRefs: [...new Set(s.secretReads)],
      seconds: run.seconds,
    };
  }
  // Every delivery of the round must be recorded delivered, once.
  let delivered = 0;
  for (const a of s.agreements) {
    let cursor: string | undefined;
    do {
      const page = await loa.deps.deliveries.listByAgreement(a.agreementId, {
        status: 'delivered',
        limit: 1000,
        ...(cursor && { cursor }),
      });
      delivered += page.items.filter((d) => d.articleId.startsWith(`${tag}-`)).length;
      cursor = page.cursor;
    } while (cursor);
  }
  if (delivered !== expected)
    throw new Error(`fan-out ${tag}: ${delivered} of ${expected} recorded delivered`);
  s3.destroy();
  bus.destroy();
  return run;
}

/** A body of the size Loa sends for one article (the same envelope and ninjs), built outside the timing. */
async function bodyFor(s: Session, articleId: string): Promise<string> {
  const article = articleNamed(articleId);
  const assets = article.assets.map((a) => ({
    ...a,
    key: `packages/${articleId}/v1/assets/${a.assetId}/${a.assetId}.jpg`,
    sizeBytes: IMAGE.length,
  }));
  const doc = toNinjs(article, assets, { assetHref: (a) => s3Href('loa-packages', a.key) });
  const agreement = s.agreements[0];
  if (!agreement) throw new Error('no agreement');
  return webhookBody(s.loa.deps, agreement, doc, new Date());
}

/** A delivery as routing creates it: the same item, the same indexes. */
function deliveryOf(agreement: Agreement, articleId: string, at: string): Delivery {
  const channel = agreement.channels[0];
  if (!channel) throw new Error('no channel');
  return {
    deliveryId: deliveryIdFor(agreement.agreementId, channel.channelId, articleId, 1),
    agreementId: agreement.agreementId,
    partnerId: agreement.partner.partnerId,
    channelId: channel.channelId,
    channelType: channel.type,
    articleId,
    version: 1,
    title: SAMPLE.title,
    manifest: { bucket: 'loa-packages', key: `packages/${articleId}/v1/ninjs.json` },
    status: 'pending',
    attemptCount: 0,
    attempts: [],
    createdAt: at,
    updatedAt: at,
    replayCount: 0,
    reason: 'matched',
  };
}

/**
 * A baseline: N × M signed POSTs, all submitted at t0, at Loa's concurrency; in mode `b`, each
 * wrapped in the delivery's conditional create and outcome write (baseline b); in mode `b1`, followed
 * by one conditional put of the delivery with its outcome (baseline b1, the one write Loa makes now).
 *   (a) raw: PER_ENDPOINT workers, one POST after the other: the ceiling of the wire and the sink.
 *   (b) direct: what the webhook worker's concurrency allows Loa: CONCURRENCY batches of BATCH jobs
 *       in flight (one approval's M deliveries follow each other, as routing enqueues them), a
 *       batch's jobs at once (IN_BATCH), a batch ending with its last job; the POSTs of every batch
 *       share PER_ENDPOINT connections to the sink, as the worker's per-endpoint cap shares them.
 */
async function baselineRound(
  s: Session,
  tag: string,
  approvals: number,
  mode: 'raw' | 'b' | 'b1',
): Promise<Run> {
  const writes = mode !== 'raw';
  const bodies = await Promise.all(Array.from({ length: approvals }, (_, i) => bodyFor(s, `${tag}-a${i}`)));
  const jobs = bodies.flatMap((body, i) => s.agreements.map((agreement) => ({ i, body, agreement })));
  const pool = new Pool(`http://127.0.0.1:${s.sink.port}`, { connections: PER_ENDPOINT, pipelining: 1 });
  const client = dynamoClient('us-east-1', s.loa.dynamoEndpoint);
  const store = new DynamoDeliveryStore({ client, tableName: s.loa.deps.config.tableName });
  // Warm the connections, as Loa's are warm after its first round.
  await Promise.all(
    Array.from({ length: PER_ENDPOINT }, () =>
      pool.request({ method: 'POST', path: '/warm', body: '{}' }).then((r) => r.body.dump()),
    ),
  );
  await s.sink.take();
  let refused = 0;
  const one = async (job: (typeof jobs)[number]) => {
    const articleId = `${tag}-a${job.i}`;
    const at = new Date();
    const made = deliveryOf(job.agreement, articleId, at.toISOString());
    // (b1) writes no item before the POST: its outcome's put creates it, conditional on none (as Loa's
    // first attempt does since 2026-12-06); (b) creates it first, as Loa's routing did before.
    const d: Delivery = mode === 'b1' ? { ...made, unstored: true } : made;
    if (mode === 'b' && !(await store.create(d))) refused++;
    const channel = job.agreement.channels[0];
    const path = channel?.type === 'webhook' ? new URL(channel.url).pathname : '/';
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      ...signWebhook(
        s.secretsOf.get(job.agreement.agreementId) ?? '',
        webhookMessageId(d.deliveryId),
        Math.floor(at.getTime() / 1000),
        job.body,
      ),
    };
    const started = performance.now();
    const res = await pool.request({ method: 'POST', path, headers, body: job.body });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`sink answered ${res.statusCode}`);
    if (writes) {
      const ok = await store.recordOutcome(d, {
        status: 'delivered',
        attempt: {
          n: 1,
          at: new Date().toISOString(),
          trigger: 'scheduled',
          outcome: 'delivered',
          httpStatus: 200,
          durationMs: Math.round(performance.now() - started),
        },
      });
      if (!ok) refused++;
    }
  };
  const batches = writes
    ? Array.from({ length: Math.ceil(jobs.length / BATCH) }, (_, k) => jobs.slice(k * BATCH, (k + 1) * BATCH))
    : jobs.map((job) => [job]);
  const t0 = now();
  await mapBounded(batches, writes ? CONCURRENCY : PER_ENDPOINT, (batch) => mapBounded(batch, IN_BATCH, one));
  const { arrivals } = await s.sink.take();
  await pool.close();
  client.destroy();
  if (refused) throw new Error(`baseline ${tag}: ${refused} writes refused`);
  if (arrivals.length !== jobs.length)
    throw new Error(`baseline ${tag}: ${arrivals.length} of ${jobs.length}`);
  return summarise(arrivals, () => t0, t0);
}

type Contender = 'loa' | 'direct' | 'direct1' | 'raw';
const ORDERS: Contender[][] = [
  ['loa', 'direct', 'direct1', 'raw'],
  ['direct', 'direct1', 'raw', 'loa'],
  ['direct1', 'raw', 'loa', 'direct'],
  ['raw', 'loa', 'direct', 'direct1'],
];
const MODE: Record<Exclude<Contender, 'loa'>, 'raw' | 'b' | 'b1'> = {
  direct: 'b',
  direct1: 'b1',
  raw: 'raw',
};

/** Single approvals one at a time, their functions timed; returns the arrivals' latencies. */
async function singleApprovals(s: Session, count: number, baseline: boolean) {
  const latencies: Record<'loa' | 'direct', number[]> = { loa: [], direct: [] };
  s.invocations.clear();
  for (let i = 0; i < count; i++) {
    s.timing = true;
    latencies.loa.push(...(await loaRound(s, `single${i}`, 1, false)).latencies);
    s.timing = false;
    if (baseline) latencies.direct.push(...(await baselineRound(s, `b-single${i}`, 1, 'b')).latencies);
  }
  if (captured) captured.unloaded = Object.fromEntries(s.invocations);
  return latencies;
}

/** The counted Loa round alone (what bench/requests.ts needs when fan-out did not run). */
export async function captureRequests(): Promise<FanoutCapture> {
  if (captured) return captured;
  await withSession(async (s) => {
    console.log(`requests: one counted fan-out of ${N} approvals × ${M} agreements, then ${SINGLES} alone…`);
    await loaRound(s, 'count', N, true);
    await singleApprovals(s, SINGLES, false);
  });
  if (!captured) throw new Error('nothing captured');
  return captured;
}

export function lastCapture(): FanoutCapture | undefined {
  return captured;
}

export async function run(): Promise<PartResult> {
  return withSession(async (s) => {
    console.log(
      `fanout: ${N} approvals × ${M} webhook agreements = ${N * M} deliveries, ${CONCURRENCY} batches in flight, ${ROUNDS} rounds`,
    );
    // A first small pass warms every path (JIT, connections, the manifest cache is per article anyway).
    await loaRound(s, 'warm', 2, false);
    await baselineRound(s, 'b-warm', 2, 'b');
    const runs: Record<Contender, Run[]> = { loa: [], direct: [], direct1: [], raw: [] };
    let counted = false;
    for (let r = 0; r < ROUNDS; r++) {
      for (const who of ORDERS[r % ORDERS.length] ?? []) {
        const tag = `r${r}-${who}`;
        const result =
          who === 'loa' ? await loaRound(s, tag, N, !counted) : await baselineRound(s, tag, N, MODE[who]);
        if (who === 'loa') counted = true;
        runs[who].push(result);
        console.log(
          `  round ${r + 1} ${who.padEnd(7)} ${round(result.perSecond, 0)} deliveries/s in ${round(result.seconds, 2)} s (window waits ${round(result.windowMs, 0)} ms: ${round(result.perSecondNoWindow, 0)}/s without; first after ${round(result.firstMs, 0)} ms, ${round(result.steadyPerSecond, 0)}/s once under way), p50 ${round(quantile(result.latencies, 0.5), 0)} ms, p99 ${round(quantile(result.latencies, 0.99), 0)} ms`,
        );
      }
    }
    // Unloaded: one approval at a time, settled in between; the baseline does the same M at a time.
    const singles = await singleApprovals(s, SINGLES, true);

    const perRound = (f: (r: Run) => number) => (who: Contender) => runs[who].map(f);
    const rate = perRound((r) => r.perSecond);
    const rateNoWindow = perRound((r) => r.perSecondNoWindow);
    const steady = perRound((r) => r.steadyPerSecond);
    const p50 = perRound((r) => quantile(r.latencies, 0.5));
    const p99 = perRound((r) => quantile(r.latencies, 0.99));
    const ratioOf = (xs: number[], ys: number[]) =>
      round(median(xs.map((x, i) => x / (ys[i] ?? Number.NaN))), 3);
    const note = `median of ${ROUNDS} alternated rounds; ratio = median of the rounds' ratios`;
    /** Loa against a baseline contender: the median over the rounds of `of`, and of the rounds' ratios. */
    const versus = (
      name: string,
      of: (who: Contender) => number[],
      [against, baselineName]: [Contender, string],
      [unit, digits]: [string, number],
      rest: Pick<Figure, 'goal' | 'note'> = {},
    ): Figure =>
      figure({
        name,
        value: round(median(of('loa')), digits),
        unit,
        baseline: round(median(of(against)), digits),
        baselineName,
        ratio: ratioOf(of('loa'), of(against)),
        ...rest,
      });
    /** A quantile of the one-at-a-time latencies, Loa against (b). */
    const single = (q: number, rest: Pick<Figure, 'note'> = {}): Figure =>
      figure({
        name: `approve→delivered p${q * 100}, one approval × ${M}`,
        value: round(quantile(singles.loa, q), 1),
        unit: 'ms',
        baseline: round(quantile(singles.direct, q), 1),
        baselineName: 'b',
        ...rest,
      });
    const perSecond: [string, number] = ['deliveries/s', 0];
    const ms: [string, number] = ['ms', 1];
    const b: [Contender, string] = ['direct', 'b'];
    const figures: Figure[] = [
      versus(
        'fan-out throughput vs direct writes + POST (b), batching-window waits left out',
        rateNoWindow,
        ['direct', 'b: writes + signed POST, same concurrency'],
        perSecond,
        {
          goal: { on: 'ratio', op: '>=', target: 0.6 },
          note: `${note}; Loa's time less the time its webhook consumer sat idle only for the ${WEBHOOK.maxBatchingWindowSeconds ?? 0} s batching window (median ${round(median(runs.loa.map((r) => r.windowMs)), 0)} ms a round); (b) has no queue and never waits`,
        },
      ),
      versus(
        'fan-out throughput vs (b), with the batching window as configured',
        rate,
        ['direct', 'b: writes + signed POST, same concurrency'],
        perSecond,
        { note },
      ),
      versus(
        'fan-out throughput vs one write + POST (b1)',
        rateNoWindow,
        ['direct1', 'b1: one conditional put + signed POST'],
        perSecond,
        {
          note: `${note}; (b) writes twice per delivery (create, outcome), as Loa did until 2026-12-06; since then Loa writes once (its first attempt's outcome creates the item), as (b1) does: no goal, shown so the change of Loa's own work is not read as a change of the yardstick`,
        },
      ),
      versus('fan-out throughput vs raw signed POSTs (a)', rate, ['raw', 'a: undici POSTs'], perSecond),
      versus('fan-out throughput once under way vs (b)', steady, b, perSecond, {
        note: 'between the 10th and 90th percentile of arrivals: leaves out the bus, package and route before the first delivery',
      }),
      versus(`approve→delivered p50, burst of ${N * M}`, p50, b, ms, {
        note: 'all N approvals put on the bus at t0; baselines submit all N × M at t0; latency = arrival at the sink − submission',
      }),
      versus(`approve→delivered p99, burst of ${N * M}`, p99, b, ms),
      single(0.5, {
        note: `${SINGLES} approvals one at a time, settled in between: bus, package (copy, manifest), route, queue, deliver`,
      }),
      single(0.99),
    ];
    const detail = {
      approvals: N,
      agreements: M,
      concurrency: CONCURRENCY,
      batchSize: BATCH,
      inBatch: IN_BATCH,
      perEndpoint: PER_ENDPOINT,
      batchingWindowSeconds: WEBHOOK.maxBatchingWindowSeconds ?? 0,
      rounds: Object.fromEntries(
        (Object.keys(runs) as Contender[]).map((who) => [
          who,
          runs[who].map((r) => ({
            perSecond: round(r.perSecond, 1),
            steadyPerSecond: round(r.steadyPerSecond, 1),
            firstMs: round(r.firstMs, 1),
            seconds: round(r.seconds, 3),
            windowMs: round(r.windowMs, 0),
            perSecondNoWindow: round(r.perSecondNoWindow, 1),
            p50: round(quantile(r.latencies, 0.5), 1),
            p99: round(quantile(r.latencies, 0.99), 1),
          })),
        ]),
      ),
    };
    return { figures, detail };
  });
}
