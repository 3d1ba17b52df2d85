/** A replay or backfill job: shown as fields, or followed to its end with a progress bar. */
import type { ReplayStatus } from '../api.ts';
import { EXIT } from '../client.ts';
import { type Context, get, type Output } from '../command.ts';
import { fields, progressBar, shortTime } from '../format.ts';

const ENDED = ['done', 'cancelled', 'failed'];

/** Polls a job until it ends, showing progress; exit 1 when it did not finish (cancelled, failed). */
export async function followJob(ctx: Context, path: string, job: ReplayStatus): Promise<Output> {
  let current = job;
  ctx.progress(current);
  while (!ENDED.includes(current.status)) {
    await ctx.sleep(500);
    current = await get<ReplayStatus>(ctx, path);
    ctx.progress(current);
  }
  return {
    json: current,
    human: jobHuman(current),
    exitCode: current.status === 'done' ? EXIT.ok : EXIT.refused,
  };
}

/** A job as `key  value` lines: its progress bar, skips by reason, rate, filter and who asked. */
export function jobHuman(job: ReplayStatus): string {
  // The replay of one delivery, seen as a job, has no rate, reasons or times of its own.
  const run = 'ratePerSecond' in job ? job : undefined;
  const reasons = Object.entries(run?.skippedReasons ?? {})
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  return fields({
    id: job.replayId,
    kind: job.kind,
    status: job.status,
    progress: progressBar(job),
    skipped: reasons || undefined,
    rate: `${run?.ratePerSecond}/s`,
    filter: job.filter,
    'requested by': job.requestedBy,
    created: shortTime(run?.createdAt),
    finished: shortTime(run?.finishedAt),
  });
}

/** False with `--no-wait`: the command prints the job it started and returns. */
export const wait = (ctx: Context) => ctx.values['no-wait'] !== true;
