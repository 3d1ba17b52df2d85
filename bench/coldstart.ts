/**
 * Cold start proxy: every function bundled with the options the CDK stack uses
 * (infra/constructs/bundling.ts), its size, and the time `import()` of the bundle takes in a fresh
 * `node` process (median of 5). `@aws-sdk/*` is external, as on Lambda, where the runtime provides
 * it: the bundles are written under .loa-test/ inside the repo so the SDK resolves from node_modules.
 * Beside each: importing only the SDK packages that bundle leaves external, in the same way.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE, esbuildOptions, REPO_ROOT } from '#infra/constructs/bundling.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { type Figure, figure, median, type PartResult, round } from './figure.ts';

const OUT = join(REPO_ROOT, '.loa-test', 'bench', 'bundles');
const TIMES = Number(process.env.BENCH_IMPORT_RUNS ?? 5);
const MAX_BYTES = 1024 * 1024;

/**
 * Milliseconds one fresh Node process takes to import `url`: wall time, and the CPU time (user +
 * system) it spent, which a machine shared with other work inflates much less.
 */
function importMs(url: string): { wall: number; cpu: number } {
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(url)}); const w = performance.now() - t; const d = process.cpuUsage(c); console.log(w, (d.user + d.system) / 1000);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', AWS_REGION: 'us-east-1' },
  });
  const [wall, cpu] = (out.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { wall: wall ?? Number.NaN, cpu: cpu ?? Number.NaN };
}

export async function run(): Promise<PartResult> {
  rmSync(OUT, { recursive: true, force: true });
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  const bundles: Record<string, { bytes: number; file: string; sdk: string[]; sdkFile: string }> = {};
  for (const name of names) {
    const outdir = join(OUT, name);
    const options = esbuildOptions(FUNCTIONS[name].entry, outdir);
    const result = await build({ ...options, metafile: true });
    const file = join(outdir, BUNDLE.outFile);
    const output = Object.entries(result.metafile.outputs).find(([k]) => k.endsWith(BUNDLE.outFile))?.[1];
    const sdk = [
      ...new Set(
        (output?.imports ?? [])
          .filter((i) => i.external && i.path.startsWith('@aws-sdk/'))
          .map((i) => i.path),
      ),
    ];
    // The baseline: the same external SDK packages, imported by a module of their own.
    const sdkFile = join(outdir, 'sdk-only.mjs');
    writeFileSync(sdkFile, sdk.map((p) => `import ${JSON.stringify(p)};`).join('\n'));
    bundles[name] = { bytes: statSync(file).size, file, sdk, sdkFile };
  }
  mkdirSync(OUT, { recursive: true });
  console.log(`coldstart: ${names.length} bundles; import() in a fresh node, median of ${TIMES}`);
  const figures: Figure[] = [];
  const detail: Record<string, unknown> = {};
  for (const name of names) {
    const b = bundles[name];
    if (!b) continue;
    const own: number[] = [];
    const ownCpu: number[] = [];
    const sdkOnly: number[] = [];
    // Alternated, so neither gets the warmer file cache.
    for (let i = 0; i < TIMES; i++) {
      const t = importMs(pathToFileURL(b.file).href);
      own.push(t.wall);
      ownCpu.push(t.cpu);
      sdkOnly.push(importMs(pathToFileURL(b.sdkFile).href).wall);
    }
    const ms = round(median(own), 1);
    const sdkMs = round(median(sdkOnly), 1);
    const cpuMs = round(median(ownCpu), 1);
    console.log(
      `  ${name.padEnd(16)} ${(b.bytes / 1024).toFixed(0).padStart(5)} kB  import ${ms} ms, CPU ${cpuMs} ms (SDK alone ${sdkMs} ms: ${b.sdk.join(', ')})`,
    );
    figures.push(
      figure({
        name: `${name} bundle size`,
        value: round(b.bytes / 1024, 0),
        unit: 'kB',
        goal: { on: 'value', op: '<', target: MAX_BYTES / 1024 },
      }),
      figure({
        name: `${name} import()`,
        value: ms,
        unit: 'ms',
        baseline: sdkMs,
        baselineName: 'its external SDK packages alone',
        goal: { on: 'value', op: '<', target: 150 },
        note: `CPU ${cpuMs} ms (user + system, median)`,
      }),
    );
    detail[name] = {
      bytes: b.bytes,
      importMs: own.map((x) => round(x, 1)),
      importCpuMs: ownCpu.map((x) => round(x, 1)),
      sdkOnlyMs: sdkOnly.map((x) => round(x, 1)),
      sdk: b.sdk,
    };
  }
  // What if the SDK were bundled too (ESM, tree-shaken) rather than taken from the runtime? Measured
  // for the hot-path function only: it answers whether the import goal is reachable, and at what size.
  const hot: FunctionName = 'deliver-webhook';
  const hotBundle = bundles[hot];
  if (hotBundle) {
    const outdir = join(OUT, `${hot}-sdk-bundled`);
    const options = esbuildOptions(FUNCTIONS[hot].entry, outdir);
    await build({ ...options, external: [] });
    const file = join(outdir, BUNDLE.outFile);
    const bytes = statSync(file).size;
    const times: number[] = [];
    for (let i = 0; i < TIMES; i++) times.push(importMs(pathToFileURL(file).href).wall);
    const ms = round(median(times), 1);
    const deployed = (detail[hot] as { importMs: number[] }).importMs;
    console.log(`  ${hot} with the SDK bundled: ${(bytes / 1024).toFixed(0)} kB, import ${ms} ms`);
    figures.push(
      figure({
        name: `${hot} import(), SDK bundled instead`,
        value: ms,
        unit: 'ms',
        baseline: round(median(deployed), 1),
        baselineName: 'SDK external, as deployed',
        note: `the same function with @aws-sdk/* bundled (ESM, tree-shaken): ${(bytes / 1024).toFixed(0)} kB; not what the stack deploys`,
      }),
    );
    detail[`${hot}-sdk-bundled`] = { bytes, importMs: times.map((x) => round(x, 1)) };
  }
  const first = figures[1];
  if (first)
    first.note = `median of ${TIMES} fresh processes; @aws-sdk/* external (the Lambda runtime provides it), resolved from node_modules here; ${first.note ?? ''}`;
  return { figures, detail };
}
