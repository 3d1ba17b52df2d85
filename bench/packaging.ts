/**
 * Packaging memory: an article whose one asset is a 1 GB video, packaged with `packageArticle` and
 * `S3PackageStore` against s3rver, beside a plain `CopyObjectCommand` of the same object. Three
 * processes, so each RSS is one job's: s3rver, the packaging, the copy. The object is written with a
 * stream (never a 1 GB buffer). Packaging copies server-side, so its memory must not grow with the asset.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '#adapters/aws/clients.ts';
import { REPO_ROOT } from '#infra/constructs/bundling.ts';
import { figure, median, type PartResult, round } from './figure.ts';
import { bundleJob, incompressible, type JobResult, nextMessage, scratchDir } from './memory.ts';

/** The bucket names bench/packaging-child.ts creates (importing it would run it). */
const CONTENT_BUCKET = 'loa-content';
const PACKAGES_BUCKET = 'loa-packages';
const ROUNDS = 3;
const SIZE = Number(process.env.BENCH_ASSET_BYTES ?? 1024 ** 3);
const NEEDED_FREE = 3 * 1024 ** 3;
const MB = 1024 * 1024;
const KEY = 'bench/video-1gb.mp4';
const LABEL = SIZE === 1024 ** 3 ? '1 GB' : `${Math.round(SIZE / MB)} MB`;
const OUT = join(REPO_ROOT, '.loa-test', 'bench', 'packaging');

/** s3rver runs under tsx; the jobs run from a bundle made as the Lambda bundles are (no loader in them). */
function startServer(dir: string): ChildProcess {
  return fork(new URL('packaging-server.ts', import.meta.url), [dir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export async function run(): Promise<PartResult> {
  const scratch = await scratchDir('packaging', NEEDED_FREE, '3 GB: the object and two copies');
  if (scratch.skipped) return scratch.skipped;
  const { dir } = scratch;
  const jobFile = await bundleJob('bench/packaging-child.ts', OUT);
  const server = startServer(dir);
  try {
    const { ready: port } = await nextMessage<{ ready: number }>(server);
    const endpoint = `http://127.0.0.1:${port}`;
    const s3 = s3Client('us-east-1', endpoint);
    console.log(`packaging: writing a ${round(SIZE / MB, 0)} MB object to s3rver (streamed)…`);
    const upStarted = performance.now();
    await s3.send(
      new PutObjectCommand({
        Bucket: CONTENT_BUCKET,
        Key: KEY,
        Body: incompressible(SIZE),
        ContentLength: SIZE,
        ContentType: 'video/mp4',
      }),
    );
    s3.destroy();
    const uploadMs = performance.now() - upStarted;
    const serverPeak = async () => (await send<{ peakRss: number }>(server, { cmd: 'peak' })).peakRss;
    await serverPeak();

    const runJob = async (mode: 'copy' | 'package', tag: string) => {
      const child = fork(
        jobFile,
        [mode, endpoint, KEY, join(REPO_ROOT, 'events', 'content-approved.vi.json'), tag],
        {
          execArgv: [],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: { ...process.env, NODE_NO_WARNINGS: '1' },
        },
      );
      const result = await nextMessage<JobResult>(child);
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
      const serverPeakRss = await serverPeak();
      // Each job writes a fresh 1 GB copy; it goes again at once, so the disk holds two at most.
      const written =
        mode === 'copy'
          ? `copies/${tag}/${KEY}`
          : `packages/bench-video-${tag}/v1/assets/video-1gb/video-1gb.mp4`;
      await cleaner.send(new DeleteObjectCommand({ Bucket: PACKAGES_BUCKET, Key: written }));
      return { ...result, serverPeakRss };
    };
    const cleaner = s3Client('us-east-1', endpoint);
    // A copy first, unmeasured (page cache, connections); then the two alternated, ROUNDS times each.
    await runJob('copy', 'warm');
    const runs: Record<'copy' | 'package', Awaited<ReturnType<typeof runJob>>[]> = { copy: [], package: [] };
    for (let i = 0; i < ROUNDS; i++) {
      for (const mode of i % 2 ? (['package', 'copy'] as const) : (['copy', 'package'] as const)) {
        runs[mode].push(await runJob(mode, `r${i}`));
      }
    }
    cleaner.destroy();
    /** The worst memory and the median time of a job's runs. */
    const summary = (rs: typeof runs.copy) => ({
      ms: median(rs.map((r) => r.ms)),
      maxRss: Math.max(...rs.map((r) => r.maxRss)),
      growth: Math.max(...rs.map((r) => r.peakRss - r.startRss)),
      serverPeakRss: Math.max(...rs.map((r) => r.serverPeakRss)),
    });
    const copy = summary(runs.copy);
    const pkg = summary(runs.package);
    const mb = (n: number) => round(n / MB, 1);
    const line = (name: string, r: typeof copy) =>
      `  ${name.padEnd(10)} ${round(r.ms / 1000, 2)} s (median of ${ROUNDS}), peak RSS ${mb(r.maxRss)} MB, ${mb(r.growth)} MB above its start at most, s3rver's peak ${mb(r.serverPeakRss)} MB`;
    console.log(line('copy', copy));
    console.log(line('package', pkg));
    return {
      figures: [
        figure({
          name: `packaging peak RSS, ${LABEL} asset`,
          value: mb(pkg.maxRss),
          unit: 'MB',
          baseline: mb(copy.maxRss),
          baselineName: 'plain SDK CopyObject',
          goal: { on: 'value', op: '<', target: 150 },
          note: "the job's process high-water mark (resourceUsage().maxRSS), Node and imports included; the job runs from an esbuild bundle made with the Lambda options",
        }),
        figure({
          name: 'packaging RSS growth during the call',
          value: mb(pkg.growth),
          unit: 'MB',
          baseline: mb(copy.growth),
          baselineName: 'plain CopyObject',
          note: 'peak of 10 ms samples minus RSS before the call: the asset is never read into memory',
        }),
        figure({
          name: `packaging time, ${LABEL} asset (median)`,
          value: round(pkg.ms / 1000, 2),
          unit: 's',
          baseline: round(copy.ms / 1000, 2),
          baselineName: 'plain CopyObject',
          note: 'CopyObject + HeadObject + manifest PutObject; s3rver copies the file on disk',
        }),
        figure({
          name: "s3rver's peak RSS while packaging",
          value: mb(pkg.serverPeakRss),
          unit: 'MB',
          baseline: mb(copy.serverPeakRss),
          baselineName: 'during the plain copy',
          note: "the emulator's memory, not Loa's: shown for honesty",
        }),
      ],
      detail: { bytes: SIZE, uploadMs: round(uploadMs, 0), copy, package: pkg, runs },
    };
  } finally {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.send({ cmd: 'stop' });
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

function send<T>(child: ChildProcess, message: unknown): Promise<T> {
  const answer = nextMessage<T>(child);
  child.send(message as object);
  return answer;
}
