/** `loa replay` (one delivery), `loa replays start|status|cancel` (by filter) and `loa backfill`. */
import type { BackfillAnswer, JobView, ReplayAudit, ReplayStatus, StartReplayResult } from '../api.ts';
import { CliError, EXIT } from '../client.ts';
import { type Command, enc, get, int, need, post } from '../command.ts';
import { shortTime, table } from '../format.ts';
import { deliveryColumns, filterOf, filterOptions } from './deliveries.ts';
import { followJob, jobHuman, wait } from './jobs.ts';

export const REPLAY_COMMANDS: Command[] = [
  {
    path: ['replay'],
    summary: 'replay one delivery (--latest sends the article’s latest version)',
    args: ['deliveryId'],
    options: { latest: { type: 'boolean' } },
    async run(ctx) {
      const body = ctx.values.latest === true ? { version: 'latest' } : undefined;
      const path = `/ops/deliveries/${enc(need(ctx, 0, 'deliveryId'))}/replay`;
      const { replay } = await post<{ replay: ReplayAudit }>(ctx, path, body);
      return { json: replay, human: `replay ${replay.replayId}: ${replay.deliveryIds.join(', ')} queued` };
    },
  },
  {
    path: ['replays', 'start'],
    summary:
      'replay every delivery matching a filter (failed by default): --dry-run first, --rate per second',
    options: {
      ...filterOptions,
      'dry-run': { type: 'boolean' },
      rate: { type: 'string' },
      latest: { type: 'boolean' },
      'no-wait': { type: 'boolean' },
    },
    async run(ctx) {
      const body = {
        filter: filterOf(ctx),
        dryRun: ctx.values['dry-run'] === true,
        ...(ctx.values.rate !== undefined && { ratePerSecond: int('rate', ctx.values.rate, 1, 500) }),
        ...(ctx.values.latest === true && { version: 'latest' }),
      };
      const out = await post<StartReplayResult>(ctx, '/ops/replays', body);
      if (out.dryRun) {
        const human = `${out.count} deliveries match\n${table(out.sample, deliveryColumns)}`;
        return { json: out, human };
      }
      if (!wait(ctx))
        return {
          json: out.replay,
          human: `replay ${out.replay.replayId} started (${out.replay.total} deliveries)`,
        };
      return followJob(ctx, `/ops/replays/${enc(out.replay.replayId)}`, out.replay);
    },
  },
  {
    path: ['replays', 'status'],
    summary:
      'show a replay’s or backfill’s progress, any id `loa audit` lists (--wait follows it to the end)',
    args: ['replayId'],
    options: { wait: { type: 'boolean' } },
    async run(ctx) {
      const path = `/ops/replays/${enc(need(ctx, 0, 'replayId'))}`;
      const job = await get<ReplayStatus>(ctx, path);
      if (ctx.values.wait === true) return followJob(ctx, path, job);
      return { json: job, human: jobHuman(job) };
    },
  },
  {
    path: ['replays', 'cancel'],
    summary: 'cancel a replay by filter (it stops at its next step)',
    args: ['replayId'],
    async run(ctx) {
      const job = await post<JobView>(ctx, `/ops/replays/${enc(need(ctx, 0, 'replayId'))}/cancel`);
      return { json: job, human: jobHuman(job) };
    },
  },
  {
    path: ['backfill'],
    summary: 'send a new agreement the covered articles of the last N days (--days, --dry-run, --rate)',
    args: ['agreementId'],
    options: {
      days: { type: 'string' },
      'dry-run': { type: 'boolean' },
      rate: { type: 'string' },
      'no-wait': { type: 'boolean' },
    },
    async run(ctx) {
      const days = int('days', ctx.values.days, 1, 90);
      if (days === undefined) throw new CliError('--days is required (1 to 90)', EXIT.usage);
      const body = {
        days,
        dryRun: ctx.values['dry-run'] === true,
        ...(ctx.values.rate !== undefined && { ratePerSecond: int('rate', ctx.values.rate, 1, 500) }),
      };
      const path = `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}/backfill`;
      const out = await post<BackfillAnswer>(ctx, path, body);
      if (out.dryRun) {
        const human = `${out.count} of ${out.routed} routed article versions would be sent\n${table(
          out.sample,
          {
            ARTICLE: (s) => `${s.articleId} v${s.version}`,
            ROUTED: (s) => shortTime(s.routedAt),
            TITLE: (s) => s.title,
          },
        )}`;
        return { json: out, human };
      }
      if (!wait(ctx)) return { json: out.backfill, human: `backfill ${out.backfill.replayId} started` };
      return followJob(ctx, `/ops/backfills/${enc(out.backfill.replayId)}`, out.backfill);
    },
  },
];
