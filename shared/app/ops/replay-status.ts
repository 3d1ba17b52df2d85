/** `GET /ops/replays/{id}`: the status of anything the replay audit log lists, by its id. */
import { NotFoundError } from '#domain/errors.ts';
import { JOB_KIND } from '#ports/job-store.ts';
import type { Deps } from '../deps.ts';
import { jobView } from './job-runner.ts';

/** How far back the audit log is searched for the replay of one delivery (it has no job item). */
const AUDIT_LOOKBACK = 1_000;

/** A replay or backfill job's progress, or the finished replay of one delivery seen as a job. */
export async function replayStatus(deps: Pick<Deps, 'jobStore' | 'replays'>, id: string) {
  const job = await deps.jobStore.get(id);
  if (job && (job.kind === JOB_KIND.replay || job.kind === JOB_KIND.backfill)) return jobView(job);
  const audit = (await deps.replays.list(AUDIT_LOOKBACK)).find((a) => a.replayId === id);
  if (!audit) throw new NotFoundError(`replay ${id} not found`);
  return {
    replayId: audit.replayId,
    kind: audit.kind ?? 'one',
    status: 'done',
    requestedBy: audit.requestedBy,
    requestedAt: audit.requestedAt,
    filter: audit.filter,
    total: audit.count,
    done: audit.deliveryIds.length,
    skipped: audit.count - audit.deliveryIds.length,
    deliveryIds: audit.deliveryIds,
  };
}
