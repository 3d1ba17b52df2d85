/**
 * What the memory benchmarks (packaging, broadcast) share: a scratch folder with room for the big
 * object, the job's bundle, incompressible test data, the IPC round with a job's child process, and
 * the RSS measures a child reports.
 */

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { build } from 'esbuild';
import { esbuildOptions } from '#infra/constructs/bundling.ts';
import { type PartResult, round } from './figure.ts';

const MB = 1024 * 1024;

/** What a job's child process reports: its time, and its RSS before, at the peak and the kernel's high-water mark. */
export interface JobResult {
  ms: number;
  startRss: number;
  peakRss: number;
  maxRss: number;
}

/**
 * A fresh scratch folder for `part`, or, when the disk has less than `needed` bytes free there, the
 * part's result as skipped (the folder removed, the reason printed; `needs` says what the room is for).
 */
export async function scratchDir(
  part: string,
  needed: number,
  needs: string,
): Promise<{ dir: string; skipped?: undefined } | { skipped: PartResult }> {
  const dir = await mkdtemp(join(tmpdir(), `loa-bench-${part}-`));
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free >= needed) return { dir };
  await rm(dir, { recursive: true, force: true });
  const message = `${part}: skipped, ${round(free / 1024 ** 3, 1)} GB free in ${tmpdir()} (needs ${needs})`;
  console.log(message);
  return { skipped: { figures: [], detail: { skipped: message } } };
}

/** Bundles a job's child process as the Lambda functions are bundled (no loader in it); returns its path. */
export async function bundleJob(entry: string, out: string): Promise<string> {
  const options = esbuildOptions(entry, out);
  await build(options);
  return options.outfile ?? join(out, 'index.mjs');
}

/** The child's next IPC message; rejects if it exits first. */
export function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`child exited with ${code}`));
    child.once('exit', onExit);
    child.once('message', (m) => {
      child.off('exit', onExit);
      resolve(m as T);
    });
  });
}

/** `size` bytes of incompressible data, 1 MiB at a time. */
export function incompressible(size: number): Readable {
  const chunk = randomBytes(MB);
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, chunk.length);
      left -= n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

/** Peak RSS since the last `take`, sampled every 10 ms. */
export function rssSampler() {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  return {
    take() {
      const p = Math.max(peak, process.memoryUsage.rss());
      peak = process.memoryUsage.rss();
      return p;
    },
    stop: () => clearInterval(timer),
  };
}

/** The kernel's high-water mark of this process's RSS, in bytes: it also sees what falls between samples. */
export const maxRss = () => process.resourceUsage().maxRSS * 1024;
