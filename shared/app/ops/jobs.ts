/** Dispatches a job run to its kind: bulk replay, backfill or catch-up. */
import { JOB_KIND, type OpsJob } from '#ports/job-store.ts';
import type { Deps } from '../deps.ts';
import { backfillRunner } from './backfill.ts';
import { replayRunner } from './bulk-replay.ts';
import { catchUpRunner } from './catch-up.ts';
import { type JobKindRunner, type RunOptions, type RunOutcome, runJob } from './job-runner.ts';

export function runOpsJob(deps: Deps, jobId: string, opts: RunOptions): Promise<RunOutcome> {
  return runJob(
    deps,
    jobId,
    (job: OpsJob): JobKindRunner<unknown> =>
      (job.kind === JOB_KIND.backfill
        ? backfillRunner(deps, job)
        : job.kind === JOB_KIND.catchUp
          ? catchUpRunner(deps, job)
          : replayRunner(deps, job)) as JobKindRunner<unknown>,
    opts,
  );
}
