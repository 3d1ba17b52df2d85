/**
 * Broadcast memory: an article whose one asset is a 1 GB video, pushed by BroadcastAdapter from the
 * packages bucket (s3rver) to a partner's HTTP ingest (infra/local/fakes/ingest.ts) and to an S3 ingest
 * bucket (S3IngestStore, multipart), beside a baseline of the same bytes streamed with a plain
 * GetObject and discarded. Each job runs in a process of its own (bench/broadcast-child.ts, bundled as
 * the Lambda functions are), s3rver in another, the fake ingest in this one, so each RSS is one job's.
 * The push must stream: its peak must not grow with the asset, only by the upload's buffers.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '#adapters/aws/clients.ts';
import { PART_SIZE, QUEUE_SIZE } from '#adapters/aws/s3-ingest-store.ts';
import { REPO_ROOT } from '#infra/constructs/bundling.ts';
import { startFakeIngest } from '#infra/local/fakes/ingest.ts';
import { figure, type PartResult, round } from './figure.ts';
import { bundleJob, incompressible, type JobResult, nextMessage, scratchDir } from './memory.ts';

const PACKAGES_BUCKET = 'loa-packages';
const INGEST_BUCKET = 'bench-ingest';
const SIZE = Number(process.env.BENCH_ASSET_BYTES ?? 1024 ** 3);
/** The source, the HTTP copy, the S3 copy and its parts while s3rver joins them. */
const NEEDED_FREE = 4.5 * SIZE;
const MB = 1024 * 1024;
const KEY = 'packages/bench-broadcast/v1/assets/video-1gb/video-1gb.mp4';
const LABEL = SIZE === 1024 ** 3 ? '1 GB' : `${Math.round(SIZE / MB)} MB`;
const OUT = join(REPO_ROOT, '.loa-test', 'bench', 'broadcast');

interface PushResult extends JobResult {
  bytes?: number;
  outcome?: { verdict: string; error?: string };
}

export async function run(): Promise<PartResult> {
  const scratch = await scratchDir('broadcast', NEEDED_FREE, `${round(NEEDED_FREE / 1024 ** 3, 1)} GB`);
  if (scratch.skipped) return scratch.skipped;
  const { dir } = scratch;
  const jobFile = await bundleJob('bench/broadcast-child.ts', OUT);
  const s3dir = join(dir, 's3');
  const ingestDir = join(dir, 'ingest');
  await mkdir(s3dir);
  await mkdir(ingestDir);
  // The packaging benchmark's s3rver process: it creates the packages bucket.
  const server = fork(new URL('packaging-server.ts', import.meta.url), [s3dir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const ingest = await startFakeIngest({ secret, dir: ingestDir });
  try {
    const { ready: port } = await nextMessage<{ ready: number }>(server);
    const endpoint = `http://127.0.0.1:${port}`;
    const s3 = s3Client('us-east-1', endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: INGEST_BUCKET }));
    console.log(`broadcast: writing a ${round(SIZE / MB, 0)} MB object to s3rver (streamed)…`);
    await s3.send(
      new PutObjectCommand({
        Bucket: PACKAGES_BUCKET,
        Key: KEY,
        Body: incompressible(SIZE),
        ContentLength: SIZE,
        ContentType: 'video/mp4',
      }),
    );

    const runJob = async (mode: 'baseline' | 'http' | 's3') => {
      const target = mode === 'http' ? ingest.baseUrl : INGEST_BUCKET;
      const child = fork(
        jobFile,
        [mode, endpoint, KEY, join(REPO_ROOT, 'events', 'content-approved.vi.json'), target],
        {
          execArgv: [],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env: { ...process.env, NODE_NO_WARNINGS: '1', LOA_BENCH_SECRET: secret },
        },
      );
      const result = await nextMessage<PushResult>(child);
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
      if (result.outcome && result.outcome.verdict !== 'delivered') {
        throw new Error(`broadcast ${mode} push was not delivered: ${result.outcome.error}`);
      }
      // Each push writes a fresh 1 GB copy; it goes at once, so the disk holds two at most.
      if (mode === 'http') {
        for (const f of ingest.files.values()) await rm(f.file, { force: true });
        ingest.files.clear();
      }
      if (mode === 's3') {
        for (const file of ['media/video-1gb-video-1gb.mp4', 'item.rss', 'newsml.xml']) {
          await s3.send(
            new DeleteObjectCommand({ Bucket: INGEST_BUCKET, Key: `bench/bench-broadcast/v1/${file}` }),
          );
        }
      }
      console.log(
        `  ${mode.padEnd(8)} ${round(result.ms / 1000, 2)} s, peak RSS ${round(result.maxRss / MB, 1)} MB (${round((result.peakRss - result.startRss) / MB, 1)} MB above its start)`,
      );
      return result;
    };
    // A baseline first, unmeasured (page cache, connections).
    await runJob('baseline');
    const base = await runJob('baseline');
    const http = await runJob('http');
    const toS3 = await runJob('s3');
    s3.destroy();
    const mb = (n: number) => round(n / MB, 1);
    const growth = (r: PushResult) => mb(r.peakRss - r.startRss);
    const note =
      "the job's process high-water mark (resourceUsage().maxRSS), Node and imports included; the job runs from an esbuild bundle made with the Lambda options";
    /** The peak RSS of a push (`to` HTTP or S3) against the baseline's, with the goal of staying under `under` MB. */
    const peak = (to: string, r: PushResult, under: number, text: string) =>
      figure({
        name: `broadcast ${to} push peak RSS, ${LABEL} video`,
        value: mb(r.maxRss),
        unit: 'MB',
        baseline: mb(base.maxRss),
        baselineName: 'GetObject streamed to nothing',
        goal: { on: 'value', op: '<', target: under },
        note: text,
      });
    return {
      figures: [
        peak(
          'HTTP',
          http,
          150,
          `${note}; the push also hashes (SHA-256) and signs, and PUTs to the fake ingest`,
        ),
        // lib-storage holds each part twice while it joins its chunks, QUEUE_SIZE parts at a time.
        peak(
          'S3',
          toS3,
          200,
          `${note}; multipart with ${QUEUE_SIZE} parts of ${PART_SIZE / MB} MiB in flight`,
        ),
        figure({
          name: 'broadcast RSS growth during the push (HTTP / S3)',
          value: growth(http),
          unit: 'MB',
          baseline: growth(base),
          baselineName: 'GetObject to nothing',
          note: `S3 push: ${growth(toS3)} MB; peak of 10 ms samples minus RSS before the call`,
        }),
        figure({
          name: `broadcast push time, ${LABEL} video (HTTP / S3)`,
          value: round(http.ms / 1000, 2),
          unit: 's',
          baseline: round(base.ms / 1000, 2),
          baselineName: 'GetObject to nothing',
          note: `S3 push: ${round(toS3.ms / 1000, 2)} s; one run each, loopback, s3rver and the fake ingest write to disk`,
        }),
      ],
      detail: { bytes: SIZE, baseline: base, http, s3: toS3 },
    };
  } finally {
    await ingest.close();
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.send({ cmd: 'stop' });
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}
