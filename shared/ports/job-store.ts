/**
 * Long operator jobs (bulk replay, backfill): one item each, moved forward by the `replay` worker
 * with conditional writes on `seq`, so two workers never both advance one job.
 */
export const JOB_STATUS = {
  queued: 'queued',
  running: 'running',
  done: 'done',
  cancelled: 'cancelled',
  failed: 'failed',
} as const;
type JobStatus = (typeof JOB_STATUS)[keyof typeof JOB_STATUS];

/** `catch-up`: a paused channel's held deliveries released oldest first (ops/catch-up.ts). */
export const JOB_KIND = { replay: 'replay', backfill: 'backfill', catchUp: 'catch-up' } as const;
export type JobKind = (typeof JOB_KIND)[keyof typeof JOB_KIND];

export interface OpsJob {
  jobId: string;
  kind: JobKind;
  /** The operator's filter (bulk replay) or `{agreementId, days}` (backfill), as they sent it. */
  filter: Record<string, unknown>;
  /** Which version a replay sends: the delivery's own, or the article's latest. */
  version: 'original' | 'latest';
  ratePerSecond: number;
  status: JobStatus;
  /** Matching items when the job started; `done + skipped` reaches it when the job ends. */
  total: number;
  done: number;
  skipped: number;
  /** Skips by reason, e.g. `{"agreement suspended": 3}`. */
  skippedReasons: Record<string, number>;
  requestedBy: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Where the worker resumes (opaque to everyone else). */
  cursor?: string;
  /** The last action's time: a worker resuming waits a full second after it, so the rate holds across runs. */
  lastActionAt?: string;
  /** Optimistic-lock counter: every write expects the value it read. */
  seq: number;
  leaseOwner?: string;
  leaseUntil?: string;
  error?: string;
}

export interface JobStore {
  /** Creates the job; throws ConflictError when the id is taken. */
  create(job: OpsJob): Promise<void>;
  get(jobId: string): Promise<OpsJob | undefined>;
  /** Replaces the job if its stored `seq` is still `expectedSeq`; false when someone moved it first. */
  save(job: OpsJob, expectedSeq: number): Promise<boolean>;
}
