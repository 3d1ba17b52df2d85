/** Dispatches a job run to its kind: bulk replay or backfill. */
import { JOB_KIND, type OpsJob } from '#ports/job-store.ts';
import type { Deps } from '../deps.ts';
import { backfillRunner } from './backfill.ts';
import { replayRunner } from './bulk-replay.ts';
import { type JobKindRunner, type RunOptions, type RunOutcome, runJob } from './job-runner.ts';

export function runOpsJob(deps: Deps, jobId: string, opts: RunOptions): Promise<RunOutcome> {
  return runJob(
    deps,
    jobId,
    (job: OpsJob): JobKindRunner<unknown> =>
      (job.kind === JOB_KIND.backfill
        ? backfillRunner(deps, job)
        : replayRunner(deps, job)) as JobKindRunner<unknown>,
    opts,
  );
}
