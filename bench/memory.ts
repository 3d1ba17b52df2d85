/**
 * What the memory benchmarks (packaging, broadcast) share: incompressible test data, the IPC round
 * with a job's child process, and the RSS measures a child reports.
 */

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

const MB = 1024 * 1024;

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
