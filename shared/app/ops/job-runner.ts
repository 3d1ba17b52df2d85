/**
 * Runs an operator job (bulk replay, backfill) in slices: a run holds a lease on the job item, acts on
 * the next items at the job's rate, saves its progress (cursor, counts) with a write conditional on
 * `seq`, and before its time is up hands over to a fresh run through the jobs queue. A duplicate
 * message finds the lease held and ends; a crashed run's message comes back after the queue's
 * visibility timeout, when its lease has run out.
 */
import { NotFoundError } from '#domain/errors.ts';
import { newId } from '#domain/ids.ts';
import { JOB_STATUS, type JobKind, type OpsJob } from '#ports/job-store.ts';
import type { Deps } from '../deps.ts';
import { SlidingWindow } from './rate-limit.ts';

/** What a job kind does: list its next items from a cursor, and act on one. */
export interface JobKindRunner<T> {
  next(job: OpsJob, limit: number): Promise<{ items: T[]; cursor?: string }>;
  /** Acts on one item at `at` (the time the rate limit granted); a string is a skip's reason. */
  act(job: OpsJob, item: T, at: Date): Promise<true | string>;
}

export interface RunOptions {
  /** Who runs (the invocation's request id): the lease holder. */
  owner: string;
  /** How long this run may work before handing over. */
  budgetMs: number;
  sleep?: (ms: number) => Promise<void>;
}

export type RunOutcome = 'missing' | 'finished' | 'busy' | 'handed-over' | 'lost-lease';

const LEASE_MARGIN_MS = 30_000;
const PAGE_MAX = 100;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function isTerminal(job: OpsJob): boolean {
  return (
    job.status === JOB_STATUS.done || job.status === JOB_STATUS.cancelled || job.status === JOB_STATUS.failed
  );
}

/** Advances one job as far as the budget allows. */
export async function runJob<T>(
  deps: Pick<Deps, 'jobStore' | 'jobs' | 'clock'>,
  jobId: string,
  kind: (job: OpsJob) => JobKindRunner<T>,
  opts: RunOptions,
): Promise<RunOutcome> {
  const sleep = opts.sleep ?? defaultSleep;
  const now = () => deps.clock.now();
  const read = await deps.jobStore.get(jobId);
  if (!read) return 'missing';
  if (isTerminal(read)) return 'finished';
  const started = now();
  if (read.leaseUntil && Date.parse(read.leaseUntil) > started.getTime() && read.leaseOwner !== opts.owner) {
    return 'busy';
  }
  const deadline = started.getTime() + opts.budgetMs;
  let job: OpsJob = {
    ...read,
    status: JOB_STATUS.running,
    startedAt: read.startedAt ?? started.toISOString(),
    leaseOwner: opts.owner,
    leaseUntil: new Date(deadline + LEASE_MARGIN_MS).toISOString(),
    updatedAt: started.toISOString(),
    seq: read.seq + 1,
  };
  if (!(await deps.jobStore.save(job, read.seq))) return 'busy';

  /** Saves the next state; false when the job moved under us (cancelled, or the lease lost). */
  const save = async (change: Partial<OpsJob>): Promise<boolean> => {
    const next = { ...job, ...change, updatedAt: now().toISOString(), seq: job.seq + 1 };
    if (!(await deps.jobStore.save(next, job.seq))) return false;
    job = next;
    return true;
  };

  // The rate holds across runs: a full second after the last action of the run before.
  if (job.lastActionAt) {
    const wait = Date.parse(job.lastActionAt) + 1000 - now().getTime();
    if (wait > 0) await sleep(wait);
  }
  const limiter = new SlidingWindow(job.ratePerSecond, () => now().getTime(), sleep);
  const runner = kind(job);
  while (now().getTime() < deadline) {
    const page = await runner.next(job, Math.min(job.ratePerSecond, PAGE_MAX));
    let done = 0;
    let skipped = 0;
    const reasons = { ...job.skippedReasons };
    let lastActionAt = job.lastActionAt;
    for (let i = 0; i < page.items.length; ) {
      const grant = await limiter.take(page.items.length - i);
      const at = new Date(grant.at);
      const results = await Promise.all(
        page.items.slice(i, i + grant.count).map((item) => runner.act(job, item, at)),
      );
      for (const r of results) {
        if (r === true) done++;
        else {
          skipped++;
          reasons[r] = (reasons[r] ?? 0) + 1;
        }
      }
      lastActionAt = at.toISOString();
      i += grant.count;
    }
    const finished = !page.cursor;
    const progress: Partial<OpsJob> = {
      done: job.done + done,
      skipped: job.skipped + skipped,
      skippedReasons: reasons,
      ...(lastActionAt && { lastActionAt }),
      ...(page.cursor ? { cursor: page.cursor } : { cursor: undefined }),
      ...(finished && {
        status: JOB_STATUS.done,
        finishedAt: now().toISOString(),
        leaseOwner: undefined,
        leaseUntil: undefined,
      }),
    };
    if (!(await save(progress))) return 'lost-lease';
    if (finished) return 'finished';
  }
  // Out of time: release the lease, then queue the next run (a failed send is retried by the queue).
  if (!(await save({ leaseOwner: undefined, leaseUntil: undefined }))) return 'lost-lease';
  await deps.jobs.enqueueJob({ jobId });
  return 'handed-over';
}

/** Cancels a job: the run under way stops at its next save. */
export async function cancelJob(
  deps: Pick<Deps, 'jobStore' | 'clock'>,
  jobId: string,
): Promise<OpsJob | undefined> {
  for (let tries = 0; tries < 5; tries++) {
    const job = await deps.jobStore.get(jobId);
    if (!job || isTerminal(job)) return job;
    const at = deps.clock.now().toISOString();
    const next = { ...job, status: JOB_STATUS.cancelled, finishedAt: at, updatedAt: at, seq: job.seq + 1 };
    if (await deps.jobStore.save(next, job.seq)) return next;
  }
  return deps.jobStore.get(jobId);
}

/** What the API shows of a job: progress, not the worker's bookkeeping. */
export function jobView(job: OpsJob) {
  const { seq: _s, leaseOwner: _o, leaseUntil: _u, cursor: _c, lastActionAt: _l, jobId, ...rest } = job;
  return { replayId: jobId, ...rest };
}

/** The job of that kind under this id (`replay`, `backfill`, `catch-up`); NotFoundError when there is none. */
export async function jobOfKind(deps: Pick<Deps, 'jobStore'>, jobId: string, kind: JobKind): Promise<OpsJob> {
  const job = await deps.jobStore.get(jobId);
  if (job?.kind !== kind) throw new NotFoundError(`${kind} ${jobId} not found`);
  return job;
}

/** A job to start: what it is, what it works through (`total` items), and who asked. */
interface NewJob {
  kind: JobKind;
  /** The id's prefix: `rpl`, `bkf` or `cu` (the job message's schema knows them). */
  idPrefix: string;
  filter: OpsJob['filter'];
  version: OpsJob['version'];
  ratePerSecond: number;
  total: number;
  requestedBy: string;
  /** The start time (ISO), also the audit record's. */
  now: string;
}

/**
 * Starts a job: the job item (done at once when there is nothing to do), one audit record for the
 * whole job whatever its size (`auditFilter`, what the operator asked for), and its first message.
 */
export async function startJob(
  deps: Pick<Deps, 'jobStore' | 'jobs' | 'replays'>,
  spec: NewJob,
  auditFilter: Record<string, unknown> = spec.filter,
): Promise<OpsJob> {
  const { idPrefix, now, total, ...fields } = spec;
  const job: OpsJob = {
    ...fields,
    jobId: newId(idPrefix),
    status: total === 0 ? JOB_STATUS.done : JOB_STATUS.queued,
    total,
    done: 0,
    skipped: 0,
    skippedReasons: {},
    createdAt: now,
    updatedAt: now,
    ...(total === 0 && { finishedAt: now }),
    seq: 0,
  };
  await deps.jobStore.create(job);
  await deps.replays.record({
    replayId: job.jobId,
    requestedBy: job.requestedBy,
    requestedAt: now,
    filter: auditFilter,
    count: total,
    deliveryIds: [],
    kind: job.kind,
  });
  if (total > 0) await deps.jobs.enqueueJob({ jobId: job.jobId });
  return job;
}
