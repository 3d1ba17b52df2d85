/**
 * Cold start proxy: every function bundled with the options the CDK stack uses
 * (infra/constructs/bundling.ts), its size, and the time `import()` of the bundle takes in a fresh
 * `node` process run with the functions' NODE_OPTIONS (source maps on), median of 5.
 *
 * Honest about what is loaded: the deployed bundle carries the AWS SDK, so it is written outside the
 * repository (a temp directory with no node_modules above it) and the build fails if it imports
 * anything but a Node built-in; a stray `@aws-sdk/*` in node_modules cannot be picked up.
 *
 * The baseline, measured alternately in the same run: the same function bundled with the SDK left
 * external (the former deployment, taking the Lambda runtime's copy), written inside the repository
 * so that `@aws-sdk/*` resolves from node_modules.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { BUNDLE, esbuildOptions, LAMBDA_NODE_OPTIONS, REPO_ROOT } from '#infra/constructs/bundling.ts';
import { FUNCTIONS, type FunctionName } from '#infra/wiring.ts';
import { type Figure, figure, median, type PartResult, round } from './figure.ts';

const SDK_EXTERNAL_OUT = join(REPO_ROOT, '.loa-test', 'bench', 'bundles-sdk-external');
const TIMES = Number(process.env.BENCH_IMPORT_RUNS ?? 5);
const MAX_BYTES = 1024 * 1024;
const GOAL_MS = 150;

/** The externals of the former deployment: the SDK v3 clients and companions the runtime ships. */
const SDK_FROM_RUNTIME = [
  '@aws-sdk/client-*',
  '@aws-sdk/lib-dynamodb',
  '@aws-sdk/util-dynamodb',
  '@aws-sdk/s3-request-presigner',
  '@aws-sdk/core',
  '@aws-sdk/core/*',
  '@aws-sdk/types',
  '@aws-sdk/credential-provider-*',
  '@aws-sdk/middleware-*',
  '@aws-sdk/util-*',
  '@aws-sdk/signature-v4-multi-region',
];

/**
 * Milliseconds one fresh Node process takes to import `url`: wall time, and the CPU time (user +
 * system) it spent, which a machine shared with other work inflates much less. Run with the
 * functions' NODE_OPTIONS, from `cwd`, with no NODE_PATH.
 */
function importMs(url: string, cwd: string): { wall: number; cpu: number } {
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(url)}); const w = performance.now() - t; const d = process.cpuUsage(c); console.log(w, (d.user + d.system) / 1000);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    cwd,
    env: {
      PATH: process.env.PATH,
      NODE_NO_WARNINGS: '1',
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
      AWS_REGION: 'us-east-1',
    },
  });
  const [wall, cpu] = (out.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { wall: wall ?? Number.NaN, cpu: cpu ?? Number.NaN };
}

/** Bundles one function; returns its file, size and the modules it leaves to be resolved at load. */
async function bundle(options: BuildOptions): Promise<{ file: string; bytes: number; externals: string[] }> {
  const result = await build({ ...options, metafile: true });
  const file = options.outfile ?? '';
  const output = Object.entries(result.metafile.outputs).find(([k]) => k.endsWith(BUNDLE.outFile))?.[1];
  const externals = [...new Set((output?.imports ?? []).filter((i) => i.external).map((i) => i.path))];
  return { file, bytes: statSync(file).size, externals };
}

/** A directory outside the repository with no node_modules on the way up to the root. */
function isolatedDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loa-coldstart-'));
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules')))
      throw new Error(`coldstart: ${join(d, 'node_modules')} would let a bundle find a stray package`);
    if (dirname(d) === d) break;
  }
  return dir;
}

interface Bundles {
  deployed: { file: string; bytes: number; externals: string[] };
  sdkExternal: { file: string; bytes: number; sdk: string[] };
}

export async function run(): Promise<PartResult> {
  const out = isolatedDir();
  rmSync(SDK_EXTERNAL_OUT, { recursive: true, force: true });
  mkdirSync(SDK_EXTERNAL_OUT, { recursive: true });
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  const bundles = {} as Record<FunctionName, Bundles>;
  try {
    for (const name of names) {
      const deployed = await bundle(esbuildOptions(FUNCTIONS[name].entry, join(out, name)));
      const stray = deployed.externals.filter((m) => !isBuiltin(m));
      if (stray.length)
        throw new Error(
          `coldstart: the ${name} bundle imports ${stray.join(', ')}, which Lambda would not have`,
        );
      const external = await bundle({
        ...esbuildOptions(FUNCTIONS[name].entry, join(SDK_EXTERNAL_OUT, name)),
        external: SDK_FROM_RUNTIME,
      });
      bundles[name] = {
        deployed,
        sdkExternal: { ...external, sdk: external.externals.filter((m) => m.startsWith('@aws-sdk/')) },
      };
    }
    console.log(
      `coldstart: ${names.length} bundles; import() in a fresh node (NODE_OPTIONS=${LAMBDA_NODE_OPTIONS}), median of ${TIMES}`,
    );
    const figures: Figure[] = [];
    const detail: Record<string, unknown> = {};
    for (const name of names) {
      const b = bundles[name];
      const own: number[] = [];
      const ownCpu: number[] = [];
      const before: number[] = [];
      const beforeCpu: number[] = [];
      // Alternated, so neither gets the warmer file cache.
      for (let i = 0; i < TIMES; i++) {
        const t = importMs(pathToFileURL(b.deployed.file).href, out);
        own.push(t.wall);
        ownCpu.push(t.cpu);
        const e = importMs(pathToFileURL(b.sdkExternal.file).href, REPO_ROOT);
        before.push(e.wall);
        beforeCpu.push(e.cpu);
      }
      const ms = round(median(own), 1);
      const beforeMs = round(median(before), 1);
      const cpuMs = round(median(ownCpu), 1);
      const beforeCpuMs = round(median(beforeCpu), 1);
      const kB = (bytes: number) => round(bytes / 1024, 0);
      console.log(
        `  ${name.padEnd(17)} ${String(kB(b.deployed.bytes)).padStart(4)} kB  import ${ms} ms, CPU ${cpuMs} ms` +
          `  | SDK external: ${kB(b.sdkExternal.bytes)} kB, import ${beforeMs} ms, CPU ${beforeCpuMs} ms`,
      );
      figures.push(
        figure({
          name: `${name} bundle size`,
          value: kB(b.deployed.bytes),
          unit: 'kB',
          baseline: kB(b.sdkExternal.bytes),
          baselineName: 'SDK external',
          goal: { on: 'value', op: '<', target: MAX_BYTES / 1024 },
        }),
        figure({
          name: `${name} import()`,
          value: ms,
          unit: 'ms',
          baseline: beforeMs,
          baselineName: 'SDK external, from node_modules',
          goal: { on: 'value', op: '<', target: GOAL_MS },
          note: `CPU ${cpuMs} ms (user + system, median); SDK external ${beforeCpuMs} ms`,
        }),
      );
      detail[name] = {
        bytes: b.deployed.bytes,
        importMs: own.map((x) => round(x, 1)),
        importCpuMs: ownCpu.map((x) => round(x, 1)),
        sdkExternal: {
          bytes: b.sdkExternal.bytes,
          importMs: before.map((x) => round(x, 1)),
          importCpuMs: beforeCpu.map((x) => round(x, 1)),
          sdk: b.sdkExternal.sdk,
        },
      };
    }
    const imports = figures.filter((f) => f.name.endsWith('import()'));
    console.log(
      `coldstart: ${imports.filter((f) => f.met).length} of ${imports.length} imports under ${GOAL_MS} ms`,
    );
    const first = imports[0];
    if (first)
      first.note = `median of ${TIMES} fresh processes, NODE_OPTIONS=${LAMBDA_NODE_OPTIONS} as on Lambda; the bundle carries the AWS SDK and is imported from a directory with no node_modules; baseline: the same function with @aws-sdk/* external, resolved from node_modules, alternated in the same run; ${first.note ?? ''}`;
    return { figures, detail };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
