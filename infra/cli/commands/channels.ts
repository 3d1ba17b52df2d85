/**
 * `loa channels resume`: a paused channel goes out again, its held deliveries first.
 * `loa channels rotate-secret`: a webhook or broadcast channel's new signing secret, shown once.
 */
import type { RotatedSecret } from '#app/rotate-secret.ts';
import type { ResumeResult } from '../api.ts';
import { type Command, enc, int, need, post } from '../command.ts';

export const CHANNEL_COMMANDS: Command[] = [
  {
    path: ['channels', 'resume'],
    summary: 'resume a paused channel: its held deliveries go out oldest first (--rate per second)',
    args: ['agreementId', 'channelId'],
    options: { rate: { type: 'string' } },
    async run(ctx) {
      const agreementId = enc(need(ctx, 0, 'agreementId'));
      const channelId = enc(need(ctx, 1, 'channelId'));
      const out = await post<ResumeResult>(
        ctx,
        `/ops/agreements/${agreementId}/channels/${channelId}/resume`,
        ctx.values.rate !== undefined ? { ratePerSecond: int('rate', ctx.values.rate, 1, 500) } : undefined,
      );
      const job = out.catchUp;
      return {
        json: out,
        human: `${out.channelId} of ${out.agreementId} resumed (${out.endpoint}); catch-up ${job?.replayId}: ${job?.total} held deliveries, ${job?.ratePerSecond}/s`,
      };
    },
  },
  {
    path: ['channels', 'rotate-secret'],
    summary:
      'rotate a webhook or broadcast channel’s signing secret: the new one is printed once; both sign for --overlap-hours (24)',
    args: ['agreementId', 'channelId'],
    options: { 'overlap-hours': { type: 'string' } },
    async run(ctx) {
      const agreementId = enc(need(ctx, 0, 'agreementId'));
      const channelId = enc(need(ctx, 1, 'channelId'));
      const hours = ctx.values['overlap-hours'];
      const out = await post<RotatedSecret>(
        ctx,
        `/ops/agreements/${agreementId}/channels/${channelId}/rotate-secret`,
        hours !== undefined ? { overlapHours: int('overlap-hours', hours, 0, 720) } : {},
      );
      const overlap = out.previousValidUntil
        ? `the previous secret signs too until ${out.previousValidUntil}`
        : 'the previous secret no longer signs';
      return {
        json: out,
        human: `secret ${need(ctx, 1, 'channelId')} version ${out.version} (shown once, keep it now): ${out.secret}\n${overlap}`,
      };
    },
  },
];
