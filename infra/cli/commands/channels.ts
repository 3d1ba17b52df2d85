/** `loa channels resume`: a paused channel goes out again, its held deliveries first. */
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
];
