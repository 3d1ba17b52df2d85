/**
 * Concurrent delivery workers (issue #14 goal 4): one deliver-webhook worker (the Lambda handler, as
 * the function runs it, on the local runtime's DynamoDB and S3) handed the same N deliveries in
 * batches of the queue's batch size, one batch after the other as one container takes them, against a
 * sink in a child process that answers each POST after a fixed delay. The old path (concurrency 1:
 * one record at a time) and the new one (the records of a batch at once, at most DELIVER_LIMITS
 * .perEndpoint requests to one partner) run alternately in the same session; the figure is
 * deliveries per second per worker, the ratio new / old, the goal ≥ 8.
 *
 * A second figure puts two partners side by side, one answering in 3 s and one in 300 ms, half of
 * each batch each: the fast partner's deliveries per second, new against old.
 *
 * The sink is this file run again in a child process (LOA_CONCURRENCY_SINK set): one HTTP server per
 * endpoint, each with its own delay, on loopback ports (an endpoint is scheme, host and port).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebhookAdapter } from '#adapters/channels/webhook.ts';
import { createAgreement } from '#app/create-agreement.ts';
import type { Deps } from '#app/deps.ts';
import { newDelivery } from '#app/route-package.ts';
import { DELIVER_LIMITS, makeDeliverHandler } from '#functions/deliver.ts';
import type { LocalLoa } from '#infra/local/runtime.ts';
import { QUEUES } from '#infra/wiring.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { PackageReady } from '#schemas/events.ts';
import { figure, type PartResult, round } from './figure.ts';
import { startBenchLoa } from './local.ts';

const FAST_MS = 300;
const SLOW_MS = 3_000;
/** Partners of the main figure: as many endpoints as a batch has records, so the per-endpoint cap is not what is measured. */
const PARTNERS = 10;
/** Deliveries per round and rounds per path: each path runs ROUNDS times, alternated. */
const N = 60;
const ROUNDS = 3;
const MIXED_N = 40;
const GOAL = 8;
const BATCH = QUEUES.find((q) => q.name === 'webhook')?.batchSize ?? 10;
const MANIFEST = { bucket: 'loa-packages', key: 'bench/concurrency/ninjs.json' };

// ---- the sink (child process) ----

if (process.env.LOA_CONCURRENCY_SINK) {
  const delays = JSON.parse(process.env.LOA_CONCURRENCY_SINK) as number[];
  /** Per endpoint (index into `delays`): the arrival times (epoch ms) since the last take. */
  let arrivals: number[][] = delays.map(() => []);
  const ports = Promise.all(
    delays.map(
      (delay, i) =>
        new Promise<number>((resolve) => {
          const server = createServer((req, res) => {
            req.resume();
            req.on('end', () => {
              arrivals[i]?.push(performance.timeOrigin + performance.now());
              setTimeout(() => res.writeHead(200, { 'content-length': '3' }).end('ok\n'), delay);
            });
          });
          server.keepAliveTimeout = 30_000;
          server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
        }),
    ),
  );
  ports.then((p) => process.send?.({ ready: p }));
  process.on('message', (msg: { cmd: string }) => {
    if (msg.cmd === 'take') {
      process.send?.({ arrivals });
      arrivals = delays.map(() => []);
    } else if (msg.cmd === 'stop') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0));
}

class Sink {
  private constructor(
    private readonly child: ChildProcess,
    readonly ports: number[],
  ) {}

  /** One loopback endpoint per delay (ms), each answering 200 that long after the request arrived. */
  static async start(delays: number[]): Promise<Sink> {
    const child = fork(new URL(import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, LOA_CONCURRENCY_SINK: JSON.stringify(delays) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ports = await new Promise<number[]>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)));
      child.once('message', (m: { ready?: number[] }) =>
        m.ready ? resolve(m.ready) : reject(new Error('sink?')),
      );
    });
    return new Sink(child, ports);
  }

  /** Arrival times per endpoint since the last take. */
  take(): Promise<number[][]> {
    return new Promise((resolve) => {
      this.child.once('message', (m: { arrivals: number[][] }) => resolve(m.arrivals));
      this.child.send({ cmd: 'take' });
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ cmd: 'stop' });
    await exited;
  }
}

// ---- the worker ----

type Handler = ReturnType<typeof makeDeliverHandler>;

/** The deliver-webhook function's handler with the given records in flight at once. */
const workerWith = (deps: Deps, concurrency: number): Handler =>
  makeDeliverHandler(
    () => deps,
    (d) => ({ webhook: new WebhookAdapter(d) }),
    { concurrency },
  );

/** One agreement per sink endpoint, its webhook channel pointing there. */
async function agreementsFor(deps: Deps, tag: string, ports: number[]): Promise<Agreement[]> {
  const made: Agreement[] = [];
  for (const [i, port] of ports.entries()) {
    const id = `bench-conc-${tag}-${i}`;
    const { agreement } = await createAgreement(deps, {
      agreementId: id,
      partner: { partnerId: id, name: `Đối tác ${i}` },
      status: 'active',
      validFrom: '2024-01-01',
      validTo: '2099-12-31',
      topics: ['culture-tourism'],
      languages: ['vi'],
      channels: [
        {
          type: 'webhook',
          url: `http://127.0.0.1:${port}/partners/${id}`,
          secret: `whsec_${Buffer.from(`bench secret ${i}`.padEnd(32, '.')).toString('base64')}`,
        },
      ],
      embargo: 'hold',
    });
    made.push(agreement);
  }
  return made;
}

let articles = 0;

/** `n` new pending deliveries of one new article, round-robin over `agreements`; their SQS records. */
async function deliveriesFor(deps: Deps, agreements: Agreement[], n: number) {
  const articleId = `bench-conc-a${articles++}`;
  const now = new Date();
  const records = [];
  for (let i = 0; i < n; i++) {
    const agreement = agreements[i % agreements.length] as Agreement;
    const channel = agreement.channels[0];
    if (!channel) throw new Error('agreement without a channel');
    // One version per delivery, so each agreement × channel gets several deliveries of the article.
    const ready: PackageReady = {
      articleId,
      version: Math.floor(i / agreements.length) + 1,
      language: 'vi',
      topics: ['culture-tourism'],
      title: 'Hà Giang: mùa hoa tam giác mạch thu hút du khách trong và ngoài nước',
      manifest: MANIFEST,
      manifestSha256: '0'.repeat(64),
      assetIds: [],
      packagedAt: now.toISOString(),
    };
    const d = newDelivery(agreement, channel, ready, now, now);
    if (!(await deps.deliveries.create(d))) throw new Error(`delivery ${d.deliveryId} existed`);
    records.push({
      messageId: `m-${d.deliveryId}`,
      receiptHandle: 'r',
      body: JSON.stringify({ deliveryId: d.deliveryId, trigger: 'scheduled' }),
    });
  }
  return records;
}

/** The records handed to one worker, `BATCH` at a time, each batch after the last one's answer. */
async function runWorker(handler: Handler, records: { messageId: string }[]) {
  const context = { getRemainingTimeInMillis: () => 900_000, functionName: 'deliver-webhook' };
  const t0 = performance.timeOrigin + performance.now();
  const batchStarts: number[] = [];
  for (let i = 0; i < records.length; i += BATCH) {
    batchStarts.push(performance.timeOrigin + performance.now());
    const out = await handler({ Records: records.slice(i, i + BATCH) } as never, context as never);
    if (out.batchItemFailures.length > 0) throw new Error(`${out.batchItemFailures.length} records failed`);
  }
  const seconds = (performance.timeOrigin + performance.now() - t0) / 1000;
  return { t0, seconds, batchStarts };
}

interface Path {
  name: 'sequential' | 'concurrent';
  handler: Handler;
}

/** One round of one path: N fresh deliveries through the worker; deliveries/s, checked at the sink. */
async function round1(loa: LocalLoa, sink: Sink, agreements: Agreement[], path: Path, n: number) {
  const records = await deliveriesFor(loa.deps, agreements, n);
  await sink.take();
  const run = await runWorker(path.handler, records);
  const arrived = (await sink.take()).flat().length;
  if (arrived !== n) throw new Error(`${path.name}: ${arrived} of ${n} deliveries arrived`);
  return n / run.seconds;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export async function run(): Promise<PartResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'loa-bench-concurrency-'));
  const delays = [...Array(PARTNERS).fill(FAST_MS), SLOW_MS];
  const sink = await Sink.start(delays);
  let loa: LocalLoa | undefined;
  try {
    loa = await startBenchLoa(dataDir, {
      allowPrivateTargets: true,
      sweep: { everyMs: 3_600_000, staleAfterMs: 3_600_000 },
    });
    const { deps } = loa;
    await deps.packages.putManifest(
      MANIFEST.key,
      JSON.stringify({ uri: 'http://loa.example/articles/bench-conc', version: '1', associations: [] }),
    );
    const fast = await agreementsFor(deps, 'fast', sink.ports.slice(0, PARTNERS));
    const sequential: Path = { name: 'sequential', handler: workerWith(deps, 1) };
    const concurrent: Path = { name: 'concurrent', handler: workerWith(deps, DELIVER_LIMITS.concurrency) };

    // Warm: both handlers, the worker's caches, the connections to every endpoint.
    for (const path of [sequential, concurrent]) await round1(loa, sink, fast, path, BATCH);
    const rates: Record<Path['name'], number[]> = { sequential: [], concurrent: [] };
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternated, the order swapped each round, so a drift in the machine's load hits both.
      const order = r % 2 === 0 ? [sequential, concurrent] : [concurrent, sequential];
      for (const path of order) rates[path.name].push(await round1(loa, sink, fast, path, N));
      ratios.push((rates.concurrent[r] as number) / (rates.sequential[r] as number));
    }

    // Two partners: one answering in 3 s, one in 300 ms, alternating in every batch.
    const [mixedFast, mixedSlow] = await agreementsFor(deps, 'mixed', [
      sink.ports[0] as number,
      sink.ports[PARTNERS] as number,
    ]);
    const pair = [mixedFast, mixedSlow] as Agreement[];
    const mixed = async (path: Path) => {
      const records = await deliveriesFor(deps, pair, MIXED_N);
      await sink.take();
      const run = await runWorker(path.handler, records);
      const arrivals = await sink.take();
      const fastArrivals = arrivals[0] ?? [];
      if (fastArrivals.length !== MIXED_N / 2 || (arrivals[PARTNERS] ?? []).length !== MIXED_N / 2)
        throw new Error(`${path.name}: not every mixed delivery arrived`);
      // How long after its batch started each fast delivery reached the partner.
      const waits = fastArrivals.map((t) => t - Math.max(...run.batchStarts.filter((s) => s <= t)));
      return {
        fastPerSecond: round(fastArrivals.length / run.seconds),
        seconds: round(run.seconds),
        fastWaitMsMedian: Math.round(median(waits)),
        fastWaitMsMax: Math.round(Math.max(...waits)),
      };
    };
    const mixedSequential = await mixed(sequential);
    const mixedConcurrent = await mixed(concurrent);

    const value = median(rates.concurrent);
    const baseline = median(rates.sequential);
    return {
      figures: [
        figure({
          name: 'deliveries per worker, partners answering in 300 ms',
          value: round(value),
          unit: 'deliveries/s',
          baseline: round(baseline),
          baselineName: 'one record at a time (concurrency 1)',
          ratio: round(median(ratios), 2),
          goal: { on: 'ratio', op: '>=', target: GOAL },
          note: `${N} deliveries to ${PARTNERS} partners in batches of ${BATCH}, ${ROUNDS} rounds alternated; ratio = median of the rounds' ratios (${ratios.map((x) => round(x, 2)).join(', ')}); concurrency ${DELIVER_LIMITS.concurrency}, ≤ ${DELIVER_LIMITS.perEndpoint} per endpoint`,
        }),
        figure({
          name: 'fast partner beside a 3 s partner',
          value: mixedConcurrent.fastPerSecond,
          unit: 'deliveries/s',
          baseline: mixedSequential.fastPerSecond,
          baselineName: 'one record at a time',
          note: `the 300 ms partner's deliveries, half of every batch of ${BATCH}, the other half to a partner answering in 3 s; a fast delivery reached its partner a median ${mixedConcurrent.fastWaitMsMedian} ms after its batch started (one at a time: ${mixedSequential.fastWaitMsMedian} ms); a batch still ends with its slowest record`,
        }),
      ],
      detail: {
        deliveries: N,
        rounds: ROUNDS,
        batchSize: BATCH,
        limits: DELIVER_LIMITS,
        partnerMs: FAST_MS,
        perSecond: rates,
        ratios,
        mixed: {
          deliveries: MIXED_N,
          slowMs: SLOW_MS,
          sequential: mixedSequential,
          concurrent: mixedConcurrent,
        },
      },
    };
  } finally {
    await loa?.stop();
    await sink.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
