/**
 * Feeds benchmark: autocannon against the local runtime serving a 50-item RSS feed (200 and 304
 * paths), beside a bare node:http server answering the same bytes in the same child process; then,
 * with the page cache off, the latency of an agreement with 100 deliveries against one with 100,000.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

interface Ready {
  urls: { page: string; small: string; large: string };
  bareUrl: string;
  etag: string;
  bodyBytes: number;
  cpuUrl: string;
  seeding: Record<string, { count: number; ms: number }>;
}

const TARGETS = { ok200: 0.5, notModified304: 0.7, history: 1.5 };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** Starts bench/feeds-server.ts on `dataDir` and waits for its READY line. */
async function startServer(dataDir: string, cacheMs: number): Promise<{ ready: Ready; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/feeds-server.ts'], {
    env: { ...process.env, BENCH_DATA_DIR: dataDir, LOA_FEED_CACHE_MS: String(cacheMs) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as Ready);
    });
  });
  return { ready, child };
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Run {
  rps: number;
  meanMs: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  statuses: Record<string, number>;
}

/** The server process's CPU time so far, in µs. */
const cpuOf = async (cpuUrl: string) => ((await (await fetch(cpuUrl)).json()) as { us: number }).us;

async function load(
  url: string,
  opts: { connections: number; seconds: number; headers?: Record<string, string>; cpuUrl: string },
) {
  const run = (duration: number) =>
    autocannon({ url, connections: opts.connections, duration, headers: opts.headers ?? {} });
  await run(1); // warm-up: JIT, caches, connections
  const cpuBefore = await cpuOf(opts.cpuUrl);
  const r = await run(opts.seconds);
  const cpuUs = (await cpuOf(opts.cpuUrl)) - cpuBefore;
  const statuses = Object.fromEntries(
    Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count]),
  );
  return {
    rps: Math.round(r.requests.average),
    meanMs: Math.round(r.latency.average * 100) / 100,
    p50: r.latency.p50,
    p99: r.latency.p99,
    // Server CPU per request: what the server spends, whatever else the machine is doing.
    cpuUsPerRequest: Math.round((cpuUs / Math.max(1, r.requests.total)) * 10) / 10,
    statuses,
  } satisfies Run;
}

/**
 * Loads the bare server and Loa in alternation, ROUNDS times, since a shared machine drifts: the
 * ratio is the median of the rounds' ratios, and the figures shown are that round's.
 */
async function compare(bareUrl: string, loaUrl: string, opts: Parameters<typeof load>[1]) {
  const rounds: { bare: Run; loa: Run; ratio: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const bare = await load(bareUrl, opts);
    const loa = await load(loaUrl, opts);
    rounds.push({ bare, loa, ratio: Math.round((loa.rps / bare.rps) * 100) / 100 });
  }
  const median = [...rounds].sort((a, b) => a.ratio - b.ratio)[Math.floor(rounds.length / 2)];
  if (!median) throw new Error('no rounds');
  // The same comparison by server CPU per request, which other load on the machine disturbs less.
  const cpuRatios = rounds.map(
    (r) => Math.round((r.bare.cpuUsPerRequest / r.loa.cpuUsPerRequest) * 100) / 100,
  );
  const cpuRatio = [...cpuRatios].sort((a, b) => a - b)[Math.floor(rounds.length / 2)] ?? 0;
  return {
    bare: median.bare,
    loa: median.loa,
    ratio: median.ratio,
    rounds: rounds.map((r) => r.ratio),
    cpuRatio,
  };
}

/** Two runs of the same URL as one: throughput and mean averaged, percentiles the worse of the two. */
function merge(runs: Run[]): Run {
  const avg = (f: (r: Run) => number) =>
    Math.round((runs.reduce((s, r) => s + f(r), 0) / runs.length) * 100) / 100;
  const statuses: Record<string, number> = {};
  for (const r of runs)
    for (const [code, n] of Object.entries(r.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  return {
    rps: Math.round(avg((r) => r.rps)),
    meanMs: avg((r) => r.meanMs),
    p50: Math.max(...runs.map((r) => r.p50)),
    p99: Math.max(...runs.map((r) => r.p99)),
    cpuUsPerRequest: avg((r) => r.cpuUsPerRequest),
    statuses,
  };
}

const line = (name: string, r: Run) =>
  `  ${name.padEnd(20)} ${String(r.rps).padStart(7)} req/s   mean ${String(r.meanMs).padStart(6)} ms   cpu ${String(r.cpuUsPerRequest).padStart(6)} µs/req   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   ${JSON.stringify(r.statuses)}`;

/** Runs the benchmark; returns the figures for bench-results.json. */
export async function run(): Promise<Record<string, unknown>> {
  // BENCH_DATA_DIR keeps a seeded data folder between runs (seeding is skipped when it has agreements).
  const kept = process.env.BENCH_DATA_DIR;
  const dataDir = kept ?? (await mkdtemp(join(tmpdir(), 'loa-bench-feeds-')));
  const seconds = Number(process.env.BENCH_SECONDS ?? 4);
  try {
    console.log(
      'feeds: starting the local runtime and seeding 50 + 100 + 100,000 deliveries (BatchWriteItem)…',
    );
    const cached = await startServer(dataDir, 5_000);
    const { ready } = cached;
    for (const [id, s] of Object.entries(ready.seeding)) {
      console.log(
        `  seeded ${id}: ${s.count} in ${s.ms} ms (${Math.round((s.count / s.ms) * 1000)} items/s)`,
      );
    }
    console.log(`feeds: 50-item RSS page of ${ready.bodyBytes} bytes, 10 connections, ${seconds} s each`);
    const cpuUrl = ready.cpuUrl;
    const ok200 = await compare(ready.bareUrl, ready.urls.page, { connections: 10, seconds, cpuUrl });
    const notModified304 = await compare(ready.bareUrl, ready.urls.page, {
      connections: 10,
      seconds,
      headers: { 'if-none-match': ready.etag },
      cpuUrl,
    });
    await stopServer(cached.child);

    console.log('feeds: page cache off, one connection: 100 vs 100,000 deliveries in the history');
    const uncached = await startServer(dataDir, 0);
    // Alternated, two rounds, so neither size gets the colder process.
    const rounds: Run[][] = [];
    for (let round = 0; round < 2; round++) {
      rounds.push([
        await load(uncached.ready.urls.small, { connections: 1, seconds, cpuUrl: uncached.ready.cpuUrl }),
        await load(uncached.ready.urls.large, { connections: 1, seconds, cpuUrl: uncached.ready.cpuUrl }),
      ]);
    }
    await stopServer(uncached.child);
    const [small, large] = [0, 1].map((i) => merge(rounds.map((r) => r[i] as Run))) as [Run, Run];

    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const figures = {
      bodyBytes: ready.bodyBytes,
      seeding: ready.seeding,
      ok200: { ...ok200, target: TARGETS.ok200 },
      notModified304: { ...notModified304, target: TARGETS.notModified304 },
      history: {
        deliveries100: small,
        deliveries100k: large,
        // Mean latency: with one connection, whole-millisecond percentiles are too coarse to compare.
        latencyRatio: ratio(large.meanMs, small.meanMs),
        rpsRatio: ratio(small.rps, large.rps),
        target: TARGETS.history,
      },
    };
    for (const [name, c, target] of [
      ['200', ok200, TARGETS.ok200],
      ['304', notModified304, TARGETS.notModified304],
    ] as const) {
      console.log(line(`bare ${name}`, c.bare));
      console.log(line(`loa ${name}`, c.loa));
      console.log(
        `  → ${name} path at ${c.ratio} of the bare server's req/s: median of rounds ${c.rounds.join(', ')} (target ≥ ${target}); by CPU per request ${c.cpuRatio}`,
      );
    }
    console.log(line('uncached, 100', small));
    console.log(line('uncached, 100,000', large));
    console.log(
      `  → 100,000 vs 100: mean latency × ${figures.history.latencyRatio}, throughput ÷ ${figures.history.rpsRatio} (target ≤ ${TARGETS.history})`,
    );
    return figures;
  } finally {
    if (!kept) await rm(dataDir, { recursive: true, force: true });
  }
}
