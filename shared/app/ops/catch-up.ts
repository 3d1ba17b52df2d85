/**
 * The end of a pause (domain/pause.ts): an operator's resume, or a probe that succeeded, closes the
 * endpoint's circuit and starts a catch-up job that releases the channel's held deliveries oldest first,
 * at the job's rate, on the replay worker (job-runner.ts).
 */
import * as z from 'zod';
import type { Delivery } from '#domain/delivery.ts';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import { channelEndpoint, closedCircuit } from '#domain/pause.ts';
import { JOB_KIND, type OpsJob } from '#ports/job-store.ts';
import type { Deps } from '../deps.ts';
import { type JobKindRunner, jobView, startJob } from './job-runner.ts';

/** Held deliveries released per second by a catch-up unless the operator says otherwise. */
export const CATCH_UP_RATE = 5;

/** A resume refused: the channel is not paused (reason `not-paused`). Nothing was written. */
export class NotPausedError extends ConflictError {
  readonly reason = 'not-paused';
}

type CatchUpDeps = Pick<Deps, 'deliveries' | 'deliveryQueries' | 'replays' | 'jobStore' | 'jobs' | 'clock'>;

/** Starts the catch-up of one agreement × channel: a job item, its audit record, its first message. */
export async function startCatchUp(
  deps: CatchUpDeps,
  target: { agreementId: string; channelId: string },
  requestedBy: string,
  ratePerSecond = CATCH_UP_RATE,
): Promise<OpsJob> {
  const now = deps.clock.now().toISOString();
  const filter = { ...target, status: 'held' as const };
  const total = await deps.deliveryQueries.countByAgreement(target.agreementId, {
    status: 'held',
    channel: target.channelId,
  });
  return startJob(
    deps,
    {
      kind: JOB_KIND.catchUp,
      idPrefix: 'cu',
      filter,
      version: 'original',
      ratePerSecond,
      total,
      requestedBy,
      now,
    },
    { ...filter, ratePerSecond },
  );
}

/** The worker's side of a catch-up: the channel's held deliveries, oldest first; each released and queued. */
export function catchUpRunner(
  deps: Pick<Deps, 'deliveries' | 'queue'>,
  job: OpsJob,
): JobKindRunner<Delivery> {
  const agreementId = String(job.filter.agreementId);
  const channelId = String(job.filter.channelId);
  // Released one after another, in the page's order (oldest first), even within one grant of the rate.
  let previous: Promise<unknown> = Promise.resolve();
  const releaseOne = async (d: Delivery, at: Date): Promise<true | string> => {
    const released = await deps.deliveries.release(d.deliveryId, at.toISOString());
    // Its own message got there first (the endpoint was up again): nothing to do.
    if (!released || released.channelType === 'feed') return 'no-longer-held';
    await deps.queue.enqueue(released.channelType, [{ deliveryId: d.deliveryId, trigger: 'scheduled' }]);
    return true;
  };
  return {
    async next(current, limit) {
      const page = await deps.deliveries.listByAgreement(agreementId, {
        status: 'held',
        limit,
        oldestFirst: true,
        ...(current.cursor && { cursor: current.cursor }),
      });
      return { ...page, items: page.items.filter((d) => d.channelId === channelId) };
    },
    act(_current, d, at) {
      const done = previous.then(() => releaseOne(d, at));
      previous = done.catch(() => undefined);
      return done;
    },
  };
}

export interface ResumeResult {
  agreementId: string;
  channelId: string;
  endpoint: string;
  resumedAt: string;
  catchUp: ReturnType<typeof jobView>;
}

/**
 * An operator resumes a paused channel: its endpoint's circuit is closed (one write) and the catch-up
 * starts. An unknown agreement or channel is a NotFoundError; a channel not paused a NotPausedError.
 */
export async function resumeChannel(
  deps: Pick<
    Deps,
    | 'agreements'
    | 'deliveries'
    | 'deliveryQueries'
    | 'replays'
    | 'jobStore'
    | 'jobs'
    | 'clock'
    | 'circuits'
    | 'config'
  >,
  agreementId: string,
  channelId: string,
  requestedBy: string,
  ratePerSecond = CATCH_UP_RATE,
): Promise<ResumeResult> {
  const agreement = await deps.agreements.get(agreementId);
  if (!agreement) throw new NotFoundError(`agreement ${agreementId} not found`);
  const channel = agreement.channels.find((c) => c.channelId === channelId);
  if (!channel) throw new NotFoundError(`channel ${channelId} is not on agreement ${agreementId}`);
  const endpoint = channelEndpoint(channel);
  const circuit = endpoint ? await deps.circuits?.get(endpoint) : undefined;
  if (!endpoint || circuit?.state !== 'paused') {
    throw new NotPausedError(`channel ${channelId} of agreement ${agreementId} is not paused`);
  }
  const now = deps.clock.now();
  await deps.circuits?.put(closedCircuit(deps.config.circuitBreaker, endpoint, now.getTime()));
  const job = await startCatchUp(deps, { agreementId, channelId }, requestedBy, ratePerSecond);
  return { agreementId, channelId, endpoint, resumedAt: now.toISOString(), catchUp: jobView(job) };
}

/** Each channel's circuit as operators see it: `paused`, `open` or `closed` (a feed is always closed). */
export async function channelStates(
  deps: Pick<Deps, 'circuits'>,
  channels: { channelId: string; type: string }[],
): Promise<Record<string, { circuit: 'paused' | 'open' | 'closed'; failingSince?: string }>> {
  const out: Record<string, { circuit: 'paused' | 'open' | 'closed'; failingSince?: string }> = {};
  await Promise.all(
    channels.map(async (c) => {
      const endpoint = channelEndpoint(c as Parameters<typeof channelEndpoint>[0]);
      const shared = endpoint ? await deps.circuits?.get(endpoint) : undefined;
      out[c.channelId] = {
        circuit: shared?.state ?? 'closed',
        ...(shared?.state !== 'closed' &&
          shared?.failingSince !== undefined && {
            failingSince: new Date(shared.failingSince).toISOString(),
          }),
      };
    }),
  );
  return out;
}

/** `POST …/resume` body (optional): how many held deliveries the catch-up releases per second. */
export const ResumeInput = z
  .object({ ratePerSecond: z.number().int().min(1).max(1000).default(CATCH_UP_RATE) })
  .strict();
