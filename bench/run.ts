/**
 * `npm run bench -- <part>...` runs benchmark parts by name (all of them without a name), prints one
 * table of figures (value, baseline, ratio, goal, met) and merges each part into bench-results.json
 * at the repo root (git-ignored) as `{machine, parts: {<name>: {at, machine, figures, detail}}}`.
 * `npm run bench -- --markdown` prints the table of the stored results in Markdown (for the README).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { type Figure, figure, markdownTable, type PartResult, textTable } from './figure.ts';
import { machine } from './machine.ts';

type Part = () => Promise<PartResult>;

const PARTS: Record<string, Part> = {
  fanout: async () => (await import('./fanout.ts')).run(),
  requests: async () => (await import('./requests.ts')).run(),
  packaging: async () => (await import('./packaging.ts')).run(),
  coldstart: async () => (await import('./coldstart.ts')).run(),
  feeds: async () => feedsPart(await (await import('./feeds.ts')).run()),
  broadcast: async () => (await import('./broadcast.ts')).run(),
  reports: async () => (await import('./reports.ts')).run(),
  enumeration: async () => (await import('./enumeration.ts')).run(),
  scale: async () => (await import('./scale.ts')).run(),
  concurrency: async () => (await import('./concurrency.ts')).run(),
};

const RESULTS = new URL('../bench-results.json', import.meta.url);

interface Results {
  machine?: ReturnType<typeof machine>;
  parts: Record<
    string,
    PartResult & { at: string; machine: ReturnType<typeof machine>; loadBefore: number[] }
  >;
}

/** The feeds part's own record (bench/feeds.ts) as figures; the record itself is kept as detail. */
function feedsPart(r: Record<string, unknown>): PartResult {
  type Run = { rps: number; meanMs: number; p50: number; p99: number; cpuUsPerRequest: number };
  type Compared = { bare: Run; loa: Run; ratio: number; rounds: number[]; cpuRatio: number; target: number };
  const ok = r.ok200 as Compared;
  const nm = r.notModified304 as Compared;
  const h = r.history as {
    deliveries100: Run;
    deliveries100k: Run;
    latencyRatio: number;
    target: number;
  };
  const path = (label: string, c: Compared): Figure[] => [
    figure({
      name: `feed ${label} throughput`,
      value: c.loa.rps,
      unit: 'req/s',
      baseline: c.bare.rps,
      baselineName: 'bare node:http, same bytes',
      ratio: c.ratio,
      goal: { on: 'ratio', op: '>=', target: c.target },
      note: `median of rounds' ratios ${c.rounds.join(', ')}; by server CPU per request ${c.cpuRatio}`,
    }),
    figure({
      name: `feed ${label} p99`,
      value: c.loa.p99,
      unit: 'ms',
      baseline: c.bare.p99,
      baselineName: 'bare',
    }),
  ];
  return {
    figures: [
      ...path('200', ok),
      ...path('304', nm),
      figure({
        name: 'feed latency, 100,000 vs 100 items of history',
        value: h.deliveries100k.meanMs,
        unit: 'ms mean',
        baseline: h.deliveries100.meanMs,
        baselineName: '100 items',
        ratio: h.latencyRatio,
        goal: { on: 'ratio', op: '<=', target: h.target },
        note: 'page cache off, one connection',
      }),
    ],
    detail: r,
  };
}

async function readResults(): Promise<Results> {
  try {
    const stored = JSON.parse(await readFile(RESULTS, 'utf8')) as Partial<Results>;
    // Results from before parts had one shape are dropped rather than mixed in.
    if (stored.parts && typeof stored.parts === 'object') return { ...stored, parts: stored.parts };
  } catch {
    // first run: no results yet
  }
  return { parts: {} };
}

async function main() {
  const args = process.argv.slice(2);
  const asked = args.filter((a) => !a.startsWith('-'));
  const markdown = args.includes('--markdown');
  const unknown = asked.filter((name) => !PARTS[name]);
  if (unknown.length) {
    console.error(`unknown bench part(s): ${unknown.join(', ')}; known: ${Object.keys(PARTS).join(', ')}`);
    process.exit(2);
  }
  if (markdown && asked.length === 0) {
    const stored = await readResults();
    const m = stored.machine;
    if (m) console.log(`${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node} (${m.platform})`);
    const loads = Object.entries(stored.parts).map(
      ([name, p]) => `${name} ${(p.loadBefore ?? []).join('/') || '?'} → ${p.machine.load.join('/')}`,
    );
    console.log(`load average (1/5/15 min) before → after each part: ${loads.join('; ')}\n`);
    console.log(markdownTable(stored.parts));
    return;
  }
  const m = machine();
  console.log(
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node} (${m.platform}), load ${m.load.join(' ')}`,
  );
  const done: Record<string, PartResult> = {};
  for (const name of asked.length ? asked : Object.keys(PARTS)) {
    const started = Date.now();
    const loadBefore = machine().load;
    const result = await PARTS[name]?.();
    if (!result) continue;
    done[name] = result;
    const all = await readResults();
    const at = machine();
    all.machine = at;
    all.parts[name] = { at: new Date().toISOString(), machine: at, loadBefore, ...result };
    await writeFile(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
    console.log(`\n${textTable({ [name]: result })}`);
    console.log(`${name}: ${Math.round((Date.now() - started) / 1000)} s; merged into bench-results.json\n`);
  }
  if (Object.keys(done).length > 1) console.log(`${textTable(done)}\n`);
  if (markdown) console.log(markdownTable(done));
  const end = machine();
  console.log(`load average at the end: ${end.load.join(' ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
