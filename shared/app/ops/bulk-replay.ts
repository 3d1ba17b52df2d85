/**
 * Bulk replay by filter: a dry run answers the count and a sample; a real one writes the job item, one
 * audit record and the first job message, and the replay worker reopens the matches at the job's rate.
 */
import type { Delivery } from '#domain/delivery.ts';
import { InvalidInputError } from '#domain/errors.ts';
import { PUSHED_CHANNELS } from '#ports/delivery-queries.ts';
import { JOB_KIND, type OpsJob } from '#ports/job-store.ts';
import type { Deps } from '../deps.ts';
import { countDeliveries, type Filter, findDeliveries } from './deliveries.ts';
import { type JobKindRunner, jobView, startJob } from './job-runner.ts';
import { previewOne, ReplayLookups, ReplayRefusedError, reopenOne } from './reopen.ts';

import { ReplayFilter, type StartReplayInput } from './schemas.ts';

type Preview = Awaited<ReturnType<typeof previewOne>>;

/** Largest bulk replay in one job: past it, narrow the filter (by agreement or time). */
const MAX_BULK_REPLAY = 100_000;
const SAMPLE_SIZE = 10;

type StartDeps = Pick<
  Deps,
  | 'agreements'
  | 'deliveries'
  | 'routing'
  | 'withdrawals'
  | 'deliveryQueries'
  | 'replays'
  | 'jobStore'
  | 'jobs'
  | 'clock'
  | 'queue'
>;

const sampleOf = (d: Delivery) => ({
  deliveryId: d.deliveryId,
  agreementId: d.agreementId,
  channelId: d.channelId,
  articleId: d.articleId,
  version: d.version,
  title: d.title,
  status: d.status,
  attemptCount: d.attemptCount,
  lastError: d.lastError,
  updatedAt: d.updatedAt,
});

export type StartReplayResult =
  | { dryRun: true; count: number; sample: (ReturnType<typeof sampleOf> & Preview)[] }
  | { dryRun: false; replay: ReturnType<typeof jobView> };

/** Starts (or, with `dryRun`, only sizes) a bulk replay. Deliveries that change after now are left out. */
export async function startBulkReplay(
  deps: StartDeps,
  input: StartReplayInput,
  requestedBy: string,
): Promise<StartReplayResult> {
  const now = deps.clock.now().toISOString();
  // Bounded by now, so a delivery that fails again during the run is not replayed twice by it; and
  // only pushed channels unless one is named (feed deliveries are pulled: nothing to resend).
  const filter: Filter = {
    ...input.filter,
    channel: input.filter.channel ?? PUSHED_CHANNELS,
    until: input.filter.until ?? now,
  };
  const count = await countDeliveries(deps, filter);
  if (input.dryRun) {
    const page = await findDeliveries(deps, filter, { limit: SAMPLE_SIZE });
    // What each sampled delivery would send (a superseded version is refused, see ops/reopen.ts).
    const lookups = new ReplayLookups(deps);
    const at = deps.clock.now();
    const sample = await Promise.all(
      page.items.map(async (d) => ({
        ...sampleOf(d),
        ...(await previewOne(deps, d, { at, version: input.version, lookups })),
      })),
    );
    return { dryRun: true, count, sample };
  }
  if (count > MAX_BULK_REPLAY) {
    throw new InvalidInputError('filter matches too much', [
      `filter: matches ${count} deliveries, at most ${MAX_BULK_REPLAY} per replay: narrow it (agreementId, since, until)`,
    ]);
  }
  const job = await startJob(
    deps,
    {
      kind: JOB_KIND.replay,
      idPrefix: 'rpl',
      filter: { ...filter },
      version: input.version,
      ratePerSecond: input.ratePerSecond,
      total: count,
      requestedBy,
      now,
    },
    { ...filter, version: input.version, ratePerSecond: input.ratePerSecond },
  );
  return { dryRun: false, replay: jobView(job) };
}

/** The worker's side of a bulk replay: the next page of matches, and the reopening of one. */
export function replayRunner(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'deliveryQueries' | 'routing' | 'withdrawals' | 'queue'>,
  job: OpsJob,
): JobKindRunner<Delivery> {
  const lookups = new ReplayLookups(deps);
  const filter = ReplayFilter.parse(job.filter);
  return {
    next: (current, limit) =>
      findDeliveries(deps, filter, { limit, ...(current.cursor && { cursor: current.cursor }) }),
    async act(current, d, at) {
      try {
        await reopenOne(deps, d, { at, replayId: current.jobId, version: current.version, lookups });
        return true;
      } catch (error) {
        if (error instanceof ReplayRefusedError) return error.reason;
        throw error;
      }
    },
  };
}
