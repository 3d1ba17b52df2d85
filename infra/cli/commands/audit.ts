/** `loa rejections`, `loa audit` and `loa health`: what was refused, what was replayed, how agreements fare. */
import type { HealthAnswer, Rejection, ReplayAudit } from '../api.ts';
import { type Command, get, int } from '../command.ts';
import { shortTime, table } from '../format.ts';
import { listed } from './list.ts';

export const AUDIT_COMMANDS: Command[] = [
  {
    path: ['rejections'],
    summary: 'bus events refused, with the field at fault',
    run: (ctx) =>
      listed<Rejection>(ctx, '/ops/rejections', {
        AT: (r) => shortTime(r.at),
        HANDLER: (r) => r.handler,
        TYPE: (r) => r.detailType,
        PROBLEMS: (r) => (r.problems ?? []).join('; '),
      }),
  },
  {
    path: ['audit'],
    summary: 'the replay audit log: one delivery, replays by filter and backfills, newest first',
    options: { limit: { type: 'string' } },
    async run(ctx) {
      const limit = int('limit', ctx.values.limit, 1, 500) ?? 100;
      return listed<ReplayAudit>(ctx, `/ops/replays?limit=${limit}`, {
        AT: (a) => shortTime(a.requestedAt),
        ID: (a) => a.replayId,
        KIND: (a) => a.kind ?? 'one',
        BY: (a) => a.requestedBy,
        COUNT: (a) => a.count,
        FILTER: (a) => a.filter,
      });
    },
  },
  {
    path: ['health'],
    summary: 'per agreement: delivered, retrying and failed in the last hours (--hours, default 24)',
    options: { hours: { type: 'string' } },
    async run(ctx) {
      const hours = int('hours', ctx.values.hours, 1, 168) ?? 24;
      const out = await get<HealthAnswer>(ctx, `/ops/health?hours=${hours}`);
      const human = table(out.items, {
        AGREEMENT: (r) => r.agreementId,
        PARTNER: (r) => r.partner?.name,
        HEALTH: (r) => r.health,
        DELIVERED: (r) => r.counts.delivered,
        RETRYING: (r) => r.counts.retrying,
        FAILED: (r) => r.counts.failed,
        'LAST FAILURE': (r) => shortTime(r.lastFailedAt),
      });
      return { json: out, human };
    },
  },
];
