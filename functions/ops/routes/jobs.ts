/** Operators' jobs: bulk replays and the replay audit log, backfills, channel resumes and their catch-ups. */
import { startBackfill } from '#app/ops/backfill.ts';
import { startBulkReplay } from '#app/ops/bulk-replay.ts';
import { CATCH_UP_RATE, ResumeInput, resumeChannel } from '#app/ops/catch-up.ts';
import { cancelJob, jobOfKind, jobView } from '#app/ops/job-runner.ts';
import { replayStatus } from '#app/ops/replay-status.ts';
import { AuditQuery, BackfillInput, StartReplayInput } from '#app/ops/schemas.ts';
import { JOB_KIND } from '#ports/job-store.ts';
import { json, parseBody, parseQuery } from '../../http.ts';
import { locatedSuccess } from '../openapi.ts';
import { located, type OpsRoute, opsRoute } from '../router.ts';

const JOB_ACCEPTED = locatedSuccess(202, 'the job');

export const JOB_ROUTES: OpsRoute[] = [
  // The audit log: every replay, bulk replay and backfill, newest first.
  opsRoute(
    'GET /ops/replays',
    { summary: 'The replay audit log, newest first', query: AuditQuery, page: true },
    async (deps, e) => json(200, { items: await deps.replays.list(parseQuery(e, AuditQuery).limit) }),
  ),
  opsRoute(
    'POST /ops/replays',
    { summary: 'Replay by filter (dry run: 200)', body: StartReplayInput, success: JOB_ACCEPTED },
    async (deps, e, _p, who) => {
      const result = await startBulkReplay(deps, parseBody(e, StartReplayInput), who);
      return result.dryRun ? json(200, result) : located(202, result, '/ops/replays', result.replay.replayId);
    },
  ),
  // Any id the audit log lists: a replay or backfill job, or the replay of one delivery.
  opsRoute(
    'GET /ops/replays/{id}',
    { summary: 'Status of any id the audit log lists' },
    async (deps, _e, p) => json(200, await replayStatus(deps, p.id ?? '')),
  ),
  opsRoute('POST /ops/replays/{id}/cancel', { summary: 'Cancel a replay by filter' }, async (deps, _e, p) => {
    await jobOfKind(deps, p.id ?? '', JOB_KIND.replay);
    const job = await cancelJob(deps, p.id ?? '');
    return json(200, job && jobView(job));
  }),
  // A catch-up's progress (its id is in the resume's answer and in the audit, GET /ops/replays).
  opsRoute('GET /ops/catch-ups/{id}', { summary: 'A catch-up’s progress' }, async (deps, _e, p) =>
    json(200, jobView(await jobOfKind(deps, p.id ?? '', JOB_KIND.catchUp))),
  ),
  opsRoute(
    'POST /ops/agreements/{id}/channels/{channelId}/resume',
    {
      summary: 'Resume a paused channel: its held deliveries go out oldest first (catch-up)',
      body: ResumeInput,
      bodyOptional: true,
      success: locatedSuccess(202, 'the catch-up'),
    },
    async (deps, e, p, who) => {
      const { ratePerSecond } = e.body ? parseBody(e, ResumeInput) : { ratePerSecond: CATCH_UP_RATE };
      const resumed = await resumeChannel(deps, p.id ?? '', p.channelId ?? '', who, ratePerSecond);
      return located(202, resumed, '/ops/catch-ups', resumed.catchUp.replayId);
    },
  ),
  opsRoute(
    'POST /ops/agreements/{id}/backfill',
    { summary: 'Backfill a new agreement (dry run: 200)', body: BackfillInput, success: JOB_ACCEPTED },
    async (deps, e, p, who) => {
      const result = await startBackfill(deps, p.id ?? '', parseBody(e, BackfillInput), who);
      return result.dryRun
        ? json(200, result)
        : located(202, result, '/ops/backfills', result.backfill.replayId);
    },
  ),
  opsRoute('GET /ops/backfills/{id}', { summary: 'A backfill’s progress' }, async (deps, _e, p) =>
    json(200, jobView(await jobOfKind(deps, p.id ?? '', JOB_KIND.backfill))),
  ),
  opsRoute('POST /ops/backfills/{id}/cancel', { summary: 'Cancel a backfill' }, async (deps, _e, p) => {
    const job = await jobOfKind(deps, p.id ?? '', JOB_KIND.backfill);
    const cancelled = await cancelJob(deps, job.jobId);
    return json(200, cancelled && jobView(cancelled));
  }),
];
