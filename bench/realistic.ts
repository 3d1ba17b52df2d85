/**
 * The realistic capture of issue #14 goals 1 and 2, for bench/requests.ts: the local runtime (bus →
 * package → route → queue → deliver-webhook, on dynalite and s3rver) with PARTNERS agreements, of
 * which REACH take the articles (topic), articles as a national agency sends them (a 150-character
 * Vietnamese title, a summary, an embargo already over so it is carried, three assets), and partners
 * answering in LATENCY_MS. Every AWS SDK request is counted (bench/aws-counter.ts), every invocation
 * timed, every secret read noted. Three phases, one runtime:
 *
 *   1. pair, ok: one article to FAILING partners of their own, who answer 200 at once;
 *   2. main: APPROVALS articles one after the other (settled in between, as articles arrive minutes
 *      apart), each to the REACH partners, who answer 200 after LATENCY_MS;
 *   3. pair, failing: the same shape as 1, the partners now answering 503: every delivery is tried
 *      the production policy's maxAttempts times and fails.
 *
 * Phase 2 gives the per-delivery figures; 3 minus 1, divided by FAILING, is what a delivery that
 * fails every attempt adds to a successful one (the routing and packaging of both articles cancel).
 * The runtime's queues run 10× fast (a retry's 1 s SQS delay is 100 ms) with the batching window kept
 * at Lambda's 1 s; retries wait 10 ms (the count of attempts is production's, not the waits), and the
 * circuit breaker is off so that every attempt reaches the partner.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '#adapters/aws/clients.ts';
import { createAgreement } from '#app/create-agreement.ts';
import { liveFacts } from '#app/live-facts.ts';
import type { DeliveryStatus } from '#domain/delivery.ts';
import { DEFAULT_RETRY_POLICY } from '#domain/retry-policy.ts';
import { MASTER_FEED_KEY_REF, MASTER_SIGNING_KEY_REF } from '#domain/signing-keys.ts';
import { LOCAL_CMS_ACCESS_KEY_ID } from '#infra/local/publishers.ts';
import type { LocalLoa } from '#infra/local/runtime.ts';
import type { FunctionName } from '#infra/wiring.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Article } from '#schemas/article.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { busEntries } from '#test/support/local-loa.ts';
import { AwsCounter, type CallStats, kindOf, type LargestItem, storedBytes } from './aws-counter.ts';
import { round } from './figure.ts';
import { countSecretReads, invocationTimer, startBenchLoa } from './local.ts';

const env = process.env;
export const PARTNERS = Number(env.BENCH_REALISTIC_PARTNERS ?? 2000);
/** Partners each article reaches: the capture's deliveries per article. */
export const REACH = Number(env.BENCH_REALISTIC_REACH ?? 200);
export const APPROVALS = Number(env.BENCH_REALISTIC_APPROVALS ?? 3);
/** Partners of the failing pair: the webhook queue's batch size, so a round of retries is one batch. */
export const FAILING = Number(env.BENCH_REALISTIC_FAILING ?? 20);
export const LATENCY_MS = 300;
/** Loopback endpoints (ports) the REACH partners are spread over: a worker's per-endpoint cap does not bind. */
const ENDPOINTS = 20;
/** The production retry policy's attempts (the CDK stack sets no LOA_RETRY_POLICY: the default holds). */
export const ATTEMPTS = DEFAULT_RETRY_POLICY.maxAttempts;
const CONTENT_BUCKET = 'loa-content';
const PACKAGES_BUCKET = 'loa-packages';
const TIMEOUT_MS = 120_000;
const TIME_SCALE = 0.1;
/** Agreements whose facts are gzipped together for the ledger's bytes per fact (all 200 took ~50 s). */
const FACT_SAMPLE = 20;

const TOPIC = { main: 'culture-tourism', pair: 'environment-climate', none: 'border-security' };

/** 150 characters (197 bytes of UTF-8, NFC): a headline as long as the national agency writes them. */
export const LONG_TITLE =
  'Hà Giang ký kết phối hợp tuyên truyền với Ban Truyền hình đối ngoại VTV4, giới thiệu đất, con người, di sản văn hóa các dân tộc tới bạn bè trong nước.';

const REPO = new URL('../', import.meta.url);
const SAMPLE = (
  JSON.parse(readFileSync(new URL('events/content-approved.vi.json', REPO), 'utf8')) as {
    Detail: { article: Article };
  }
).Detail.article;
const IMAGE = readFileSync(new URL('events/assets/ky-ket-vtv4.jpg', REPO));

const EXTRA_ASSETS: Omit<Article['assets'][number], 'uri'>[] = [
  {
    assetId: 'cot-co-lung-cu',
    mimeType: 'image/jpeg',
    title: 'Cột cờ Lũng Cú, điểm cực Bắc của Tổ quốc',
    altText: 'Cột cờ Lũng Cú trên đỉnh núi Rồng, huyện Đồng Văn, tỉnh Hà Giang.',
    credit: 'Ảnh: Ban Tuyên giáo Tỉnh ủy Hà Giang',
    width: 320,
    height: 184,
  },
  {
    assetId: 'cao-nguyen-da',
    mimeType: 'image/jpeg',
    title: 'Cao nguyên đá Đồng Văn mùa hoa tam giác mạch',
    altText: 'Những thửa ruộng hoa tam giác mạch nở trên cao nguyên đá Đồng Văn.',
    credit: 'Ảnh: Ban Truyền hình đối ngoại VTV4',
    width: 320,
    height: 184,
  },
];

/**
 * A realistic article: the long title, the sample's summary and body, an embargo that ended ten
 * minutes before `now` (after an approval an hour before: carried, and released at once), three assets.
 */
export function realisticArticle(articleId: string, topics: string[], now: Date): Article {
  const assets = [...SAMPLE.assets, ...EXTRA_ASSETS].map((a) => ({
    ...a,
    uri: `s3://${CONTENT_BUCKET}/bench/${articleId}/${a.assetId}.jpg`,
  }));
  return {
    ...structuredClone(SAMPLE),
    articleId,
    title: LONG_TITLE,
    topics,
    assets,
    approvedAt: new Date(now.getTime() - 3_600_000).toISOString(),
    embargoUntil: new Date(now.getTime() - 600_000).toISOString(),
  };
}

// ---- the partners (a child process: its own event loop) ----

interface EndpointSpec {
  delayMs: number;
  status: number;
}

if (env.LOA_REALISTIC_SINK) {
  const specs = JSON.parse(env.LOA_REALISTIC_SINK) as EndpointSpec[];
  const arrivals = specs.map(() => ({ ok: 0, refused: 0 }));
  const ports = Promise.all(
    specs.map(
      (spec, i) =>
        new Promise<number>((resolve) => {
          const server = createServer((req, res) => {
            req.resume();
            req.on('end', () => {
              const status = spec.status;
              const counts = arrivals[i];
              if (counts) status < 300 ? counts.ok++ : counts.refused++;
              setTimeout(() => res.writeHead(status, { 'content-length': '3' }).end('ok\n'), spec.delayMs);
            });
          });
          server.keepAliveTimeout = 30_000;
          server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
        }),
    ),
  );
  ports.then((p) => process.send?.({ ready: p }));
  process.on('message', (msg: { cmd: string; index?: number; status?: number }) => {
    if (msg.cmd === 'status' && msg.index !== undefined && msg.status !== undefined) {
      const spec = specs[msg.index];
      if (spec) spec.status = msg.status;
      process.send?.({ done: true });
    } else if (msg.cmd === 'take') {
      process.send?.({ arrivals });
      for (const a of arrivals) Object.assign(a, { ok: 0, refused: 0 });
    } else if (msg.cmd === 'stop') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}

class Partners {
  private constructor(
    private readonly child: ChildProcess,
    readonly ports: number[],
  ) {}

  static async start(specs: EndpointSpec[]): Promise<Partners> {
    const child = fork(new URL(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...env, LOA_REALISTIC_SINK: JSON.stringify(specs) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`partners exited with ${code}`)));
      child.once('message', (m: { ready?: number[] }) =>
        m.ready ? resolve(m.ready) : reject(new Error('partners?')),
      );
    });
    return new Partners(child, ports);
  }

  #ask<T>(msg: object): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (m: T) => resolve(m));
      this.child.send(msg);
    });
  }

  /** Requests each endpoint answered since the last take: 2xx, and otherwise. */
  async take(): Promise<{ ok: number; refused: number }[]> {
    return (await this.#ask<{ arrivals: { ok: number; refused: number }[] }>({ cmd: 'take' })).arrivals;
  }

  async setStatus(index: number, status: number): Promise<void> {
    await this.#ask({ cmd: 'status', index, status });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'stop' });
    await exited;
  }
}

// ---- the capture ----

type Invocations = Record<string, { count: number; ms: number; failed: number }>;

/** What one phase of the capture counted. */
export interface Phase {
  approvals: number;
  deliveries: number;
  calls: Record<string, CallStats>;
  invocations: Invocations;
  /** Per item kind (`DELIVERY/META`…): the largest item written, writes, writes over 1 KB. */
  largest: Record<string, LargestItem>;
  seconds: number;
}

export interface RealisticCapture {
  partners: number;
  reach: number;
  latencyMs: number;
  attempts: number;
  title: { chars: number; bytes: number };
  assets: number;
  embargoUntil: string;
  /** Phase 2: the main articles. */
  main: Phase & {
    /** Secret reads, per distinct secret name. */
    secretReads: Record<string, number>;
    /** Bytes DynamoDB bills as stored for the items the phase wrote (last image of each). */
    stored: { table: number; indexes: number; items: number; byKind: Record<string, number> };
    /** Bytes the main articles' packages keep in S3. */
    packageBytes: number;
    /**
     * The ledger's bytes per delivery: its fact (FACT_SAMPLE partners' main deliveries gzipped together,
     * as an agreement's are sealed) and the "not sent" facts of the agreements its article skipped.
     */
    factBytesPerDelivery: number;
    /** "Not sent" facts in it per delivery: the agreements an article does not go to, per one it does. */
    notSentFactsPerDelivery: number;
  };
  pairOk: Phase;
  pairFailing: Phase & { attemptsSeen: number[] };
}

let captured: RealisticCapture | undefined;

async function uploadAssets(s3: S3Client, article: Article): Promise<void> {
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

interface Session {
  loa: LocalLoa;
  partners: Partners;
  counter: AwsCounter;
  s3: S3Client;
  bus: EventBridgeClient;
  main: Agreement[];
  pair: Agreement[];
  invocations: Map<FunctionName, { count: number; ms: number; failed: number }>;
  timing: boolean;
  secretReads: string[];
}

/** PARTNERS agreements: REACH for the main articles, FAILING for the pair, the rest taking neither. */
async function seedAgreements(s: Session): Promise<void> {
  const { loa, partners } = s;
  const failingPort = partners.ports[ENDPOINTS];
  // Those that get deliveries are created as an operator creates them (generated secrets, feed key).
  const created = async (i: number, topic: string, port: number | undefined) => {
    const id = `partner-${String(i).padStart(5, '0')}`;
    const { agreement } = await createAgreement(loa.deps, {
      agreementId: id,
      partner: { partnerId: id, name: `Đài Phát thanh và Truyền hình ${i}` },
      status: 'active',
      validFrom: '2024-01-01',
      validTo: '2099-12-31',
      topics: [topic],
      languages: ['vi'],
      channels: [{ type: 'webhook', url: `http://127.0.0.1:${port}/partners/${id}` }],
      embargo: 'hold',
    });
    return agreement;
  };
  for (let i = 0; i < REACH; i++) s.main.push(await created(i, TOPIC.main, partners.ports[i % ENDPOINTS]));
  for (let i = 0; i < FAILING; i++) s.pair.push(await created(REACH + i, TOPIC.pair, failingPort));
  // The others only make routing decide (and record) "not sent": written straight to the store.
  const at = new Date().toISOString();
  let next = REACH + FAILING;
  const worker = async () => {
    while (next < PARTNERS) {
      const id = `partner-${String(next++).padStart(5, '0')}`;
      await loa.deps.agreements.create({
        agreementId: id,
        partner: { partnerId: id, name: `Đài Phát thanh và Truyền hình ${id}` },
        status: 'active',
        validFrom: '2024-01-01',
        validTo: '2099-12-31',
        topics: [TOPIC.none],
        languages: ['vi'],
        channels: [{ channelId: 'webhook', type: 'webhook', url: `http://127.0.0.1:${failingPort}/x/${id}` }],
        embargo: 'hold',
        feedKeys: [],
        createdAt: at,
        updatedAt: at,
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Approves each article (its assets first) and waits until everything it caused is done. */
async function approve(s: Session, articles: Article[]): Promise<void> {
  for (const article of articles) {
    const entries = [{ source: SOURCE.cms, detailType: DETAIL_TYPE.contentApproved, detail: { article } }];
    const out = await s.bus.send(new PutEventsCommand({ Entries: busEntries(entries) }));
    if (out.FailedEntryCount) throw new Error(`the bus refused the approval of ${article.articleId}`);
    await within(s.loa.settled(), TIMEOUT_MS, `approval of ${article.articleId}`);
  }
}

/** Counts what approving `articles` makes (every SDK request; invocations and secret reads too). */
async function phase(s: Session, articles: Article[], deliveries: number): Promise<Phase> {
  for (const a of articles) await uploadAssets(s.s3, a);
  await s.loa.settled();
  await s.partners.take();
  s.counter.reset();
  s.invocations.clear();
  s.secretReads.length = 0;
  s.counter.enabled = true;
  s.timing = true;
  const t0 = performance.now();
  await approve(s, articles);
  const seconds = (performance.now() - t0) / 1000;
  s.counter.enabled = false;
  s.timing = false;
  // BENCH_SHOW_ITEMS=1 prints the largest item of each kind the phase wrote (what fills a KB).
  if (process.env.BENCH_SHOW_ITEMS) {
    console.log(JSON.stringify(s.counter.largestImages(), null, 1));
    console.log(
      Object.entries(s.counter.snapshot())
        .map(([k, v]) => `${k} ${v.count}`)
        .join('\n'),
    );
  }
  return {
    approvals: articles.length,
    deliveries,
    calls: s.counter.snapshot(),
    invocations: Object.fromEntries(s.invocations),
    largest: s.counter.largest(),
    seconds,
  };
}

/** Each agreement's deliveries of the articles: their statuses and attempt counts. */
async function outcomes(s: Session, agreements: Agreement[], articleIds: Set<string>) {
  const found: { status: DeliveryStatus; attempts: number }[] = [];
  for (const a of agreements) {
    const page = await s.loa.deps.deliveries.listByAgreement(a.agreementId, { limit: 100 });
    for (const d of page.items)
      if (articleIds.has(d.articleId)) found.push({ status: d.status, attempts: d.attemptCount });
  }
  return found;
}

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
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

async function packageBytes(s3: S3Client, articleIds: string[]): Promise<number> {
  let bytes = 0;
  for (const id of articleIds) {
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: PACKAGES_BUCKET,
          Prefix: `packages/${id}/`,
          ...(token && { ContinuationToken: token }),
        }),
      );
      bytes += (page.Contents ?? []).reduce((n, o) => n + (o.Size ?? 0), 0);
      token = page.NextContinuationToken;
    } while (token);
  }
  return bytes;
}

/** The realistic capture (run once per process; requests.ts reads it). */
export async function captureRealistic(): Promise<RealisticCapture> {
  if (captured) return captured;
  if (REACH + FAILING > PARTNERS)
    throw new Error(`REACH ${REACH} + FAILING ${FAILING} > PARTNERS ${PARTNERS}`);
  console.log(
    `requests: ${PARTNERS} partners, ${APPROVALS} articles × ${REACH} partners answering in ${LATENCY_MS} ms, then ${FAILING} deliveries failing ${ATTEMPTS} attempts…`,
  );
  const dataDir = await mkdtemp(join(tmpdir(), 'loa-bench-realistic-'));
  const specs: EndpointSpec[] = [
    ...Array.from({ length: ENDPOINTS }, () => ({ delayMs: LATENCY_MS, status: 200 })),
    { delayMs: 0, status: 200 },
  ];
  const partners = await Partners.start(specs);
  const counter = new AwsCounter();
  const { times: invocations, onInvoke } = invocationTimer<FunctionName>(() => session?.timing === true);
  let session: Session | undefined;
  let loa: LocalLoa | undefined;
  try {
    loa = await startBenchLoa(dataDir, {
      contentBucket: CONTENT_BUCKET,
      allowPrivateTargets: true,
      clientHook: counter.hook,
      onInvoke,
      sweep: { everyMs: 3_600_000, staleAfterMs: 3_600_000 },
      queueTimeScale: TIME_SCALE,
      batchingWindowScale: 1 / TIME_SCALE,
      retryPolicy: { maxAttempts: ATTEMPTS, baseDelayMs: 10, factor: 1, maxDelayMs: 10 },
      circuitBreaker: { failureThreshold: 0, serverErrorThreshold: 0 },
    });
    const s: Session = {
      loa,
      partners,
      counter,
      s3: s3Client('us-east-1', loa.s3Endpoint),
      bus: new EventBridgeClient({
        region: 'us-east-1',
        endpoint: loa.baseUrl,
        credentials: { accessKeyId: LOCAL_CMS_ACCESS_KEY_ID, secretAccessKey: 'cms' },
      }),
      main: [],
      pair: [],
      invocations,
      timing: false,
      secretReads: [],
    };
    session = s;
    countSecretReads(loa, () => counter.enabled, s.secretReads);
    const seedStart = performance.now();
    await seedAgreements(s);
    const lap = (what: string, since: number) =>
      console.log(`  ${what} in ${round((performance.now() - since) / 1000, 1)} s`);
    lap(`${PARTNERS} agreements`, seedStart);
    const now = new Date();
    const pairOkArticle = realisticArticle('pair-ok', [TOPIC.pair], now);
    const pairFailArticle = realisticArticle('pair-failing', [TOPIC.pair], now);
    const mainArticles = Array.from({ length: APPROVALS }, (_, i) =>
      realisticArticle(`main-${i}`, [TOPIC.main, 'ocop-products'], now),
    );

    // 1. The pair's successful article (also warms every path before the main phase).
    const pairOk = await phase(s, [pairOkArticle], FAILING);
    console.log(`  pair, ok: ${round(pairOk.seconds, 1)} s`);
    const okArrivals = (await partners.take())[ENDPOINTS]?.ok ?? 0;
    if (okArrivals !== FAILING) throw new Error(`pair ok: ${okArrivals} of ${FAILING} arrived`);

    // 2. The main articles.
    const main = await phase(s, mainArticles, APPROVALS * REACH);
    console.log(`  main: ${round(main.seconds, 1)} s`);
    const checkStart = performance.now();
    const arrived = (await partners.take()).slice(0, ENDPOINTS).reduce((n, a) => n + a.ok, 0);
    if (arrived !== main.deliveries) throw new Error(`main: ${arrived} of ${main.deliveries} arrived`);
    const images = counter.images();
    const stored = images.reduce<RealisticCapture['main']['stored']>(
      (n, item) => {
        const b = storedBytes(item);
        const kind = kindOf(item);
        n.byKind[kind] = (n.byKind[kind] ?? 0) + b.table + b.indexes;
        n.table += b.table;
        n.indexes += b.indexes;
        n.items += 1;
        return n;
      },
      { table: 0, indexes: 0, items: 0, byKind: {} },
    );
    const mainIds = new Set(mainArticles.map((a) => a.articleId));
    const mainOutcomes = await outcomes(s, s.main, mainIds);
    const delivered = mainOutcomes.filter((o) => o.status === 'delivered').length;
    if (delivered !== main.deliveries) throw new Error(`main: ${delivered} of ${main.deliveries} delivered`);
    const day = now.toISOString().slice(0, 10);
    const facts = (
      await Promise.all(
        s.main.slice(0, FACT_SAMPLE).map((a) => liveFacts(s.loa.deps, a.agreementId, day, day)),
      )
    )
      .flat()
      .filter((f) => f.type === 'delivery');
    const factBytes = gzipSync(facts.map((f) => `${JSON.stringify(f)}\n`).join('')).length;
    // Every agreement an article does not go to gets a "not sent" fact of it (the report counts them
    // by reason): PARTNERS − REACH of them per article, sampled on FACT_SAMPLE of those agreements.
    const others = Array.from(
      { length: FACT_SAMPLE },
      (_, i) => `partner-${String(REACH + FAILING + i).padStart(5, '0')}`,
    );
    // Those on none of an agreement's topics are counted per day and language, not one fact each (the
    // day's other articles, the pair's, are in the sample too: bytes per version not sent).
    const notSent = (await Promise.all(others.map((id) => liveFacts(s.loa.deps, id, day, day))))
      .flat()
      .flatMap((f) => (f.type === 'not-sent' ? [f] : []));
    const notSentBytes = gzipSync(notSent.map((f) => `${JSON.stringify(f)}\n`).join('')).length;
    const notSentVersions = notSent.reduce((n, f) => n + (f.count ?? 1), 0);
    const notSentPerDelivery = (PARTNERS - REACH) / REACH;
    const secretReads: Record<string, number> = {};
    for (const ref of s.secretReads) secretReads[ref] = (secretReads[ref] ?? 0) + 1;

    lap('checks and facts', checkStart);
    // 3. The pair again, its partners now refusing every attempt.
    await partners.setStatus(ENDPOINTS, 503);
    const pairFailing = await phase(s, [pairFailArticle], FAILING);
    console.log(`  pair, failing: ${round(pairFailing.seconds, 1)} s`);
    const refused = (await partners.take())[ENDPOINTS]?.refused ?? 0;
    const failed = await outcomes(s, s.pair, new Set([pairFailArticle.articleId]));
    const notFailed = failed.filter((o) => o.status !== 'failed' || o.attempts !== ATTEMPTS);
    if (failed.length !== FAILING || notFailed.length || refused !== FAILING * ATTEMPTS) {
      throw new Error(
        `pair failing: ${failed.length} deliveries, ${notFailed.length} not failed after ${ATTEMPTS} attempts, ${refused} of ${FAILING * ATTEMPTS} attempts reached the partner`,
      );
    }

    const capture: RealisticCapture = {
      partners: PARTNERS,
      reach: REACH,
      latencyMs: LATENCY_MS,
      attempts: ATTEMPTS,
      title: { chars: LONG_TITLE.length, bytes: Buffer.byteLength(LONG_TITLE) },
      assets: pairOkArticle.assets.length,
      embargoUntil: pairOkArticle.embargoUntil ?? '',
      main: {
        ...main,
        secretReads,
        stored,
        packageBytes: await packageBytes(s.s3, [...mainIds]),
        factBytesPerDelivery:
          (facts.length ? factBytes / facts.length : 0) +
          (notSentVersions ? (notSentBytes / notSentVersions) * notSentPerDelivery : 0),
        notSentFactsPerDelivery: notSentPerDelivery,
      },
      pairOk,
      pairFailing: { ...pairFailing, attemptsSeen: failed.map((o) => o.attempts) },
    };
    captured = capture;
    s.s3.destroy();
    s.bus.destroy();
    return capture;
  } finally {
    await loa?.stop();
    await partners.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The secrets shared by every partner: the two master keys (signing secrets, feed keys). */
export const SHARED_SECRETS: readonly string[] = [MASTER_SIGNING_KEY_REF, MASTER_FEED_KEY_REF];

/** Whether a secret is shared by every partner (a master key) rather than one partner's own. */
export const isSharedSecret = (ref: string) => SHARED_SECRETS.includes(ref);
