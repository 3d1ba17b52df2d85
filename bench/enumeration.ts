/**
 * Enumeration by timing: a refused feed request for an agreement that exists and for one that does
 * not must cost the same, or the time of a 403 tells which agreement ids are real. Both are sent to
 * the local runtime over loopback HTTP, alternated, with a correctly formed URL whose signature is
 * wrong; the figure is the ratio of their median latencies (goal 0.8–1.25).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Figure, figure, median, type PartResult, round } from './figure.ts';
import { createFeedAgreement, startBenchLoa } from './local.ts';

const REQUESTS = Number(process.env.BENCH_ENUMERATION_REQUESTS ?? 2000);
const WARMUP = 200;
const BAD_SIG = 'A'.repeat(43);

export async function run(): Promise<PartResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'loa-bench-enum-'));
  const loa = await startBenchLoa(dataDir);
  try {
    await createFeedAgreement(loa.deps, 'bench-known');
    const expires = Math.floor(Date.now() / 1000) + 3600;
    const url = (id: string) => `${loa.baseUrl}/feeds/${id}.rss?expires=${expires}&kid=k1&sig=${BAD_SIG}`;
    const once = async (target: string): Promise<number> => {
      const started = performance.now();
      const res = await fetch(target);
      await res.arrayBuffer();
      if (res.status !== 403) throw new Error(`expected a refusal, got ${res.status}`);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < WARMUP; i++) {
      await once(url('bench-known'));
      await once(url(`bench-unknown-${i % 20}`));
    }
    // Alternated, and a fresh unknown id every so often: an attacker tries many ids, not one.
    for (let i = 0; i < REQUESTS; i++) {
      const first = i % 2 === 0;
      const u = url(`bench-unknown-${i % 20}`);
      if (first) known.push(await once(url('bench-known')));
      unknown.push(await once(u));
      if (!first) known.push(await once(url('bench-known')));
    }
    const k = median(known);
    const u = median(unknown);
    console.log(
      `enumeration: ${REQUESTS} refusals each; median known ${round(k, 3)} ms, unknown ${round(u, 3)} ms`,
    );
    const base = { value: round(u, 3), unit: 'ms', baseline: round(k, 3), baselineName: 'known agreement' };
    const figures: Figure[] = [
      figure({
        name: 'refused feed request, unknown agreement (upper bound)',
        ...base,
        goal: { on: 'ratio', op: '<=', target: 1.25 },
        note: 'median latency of a 403 for a made-up agreement id against one for a real agreement, same malformed signature',
      }),
      figure({
        name: 'refused feed request, unknown agreement (lower bound)',
        ...base,
        goal: { on: 'ratio', op: '>=', target: 0.8 },
      }),
    ];
    return {
      figures,
      detail: {
        requests: REQUESTS,
        knownMs: known.length,
        p90Known: quantile(known, 0.9),
        p90Unknown: quantile(unknown, 0.9),
      },
    };
  } finally {
    await loa.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0, 3);
}
