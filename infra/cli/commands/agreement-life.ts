/** `loa agreements history ID` and `loa agreements renew ID --from D --to D`: an agreement's life. */
import { CliError, EXIT } from '../client.ts';
import { type Command, type Context, enc, need } from '../command.ts';
import { shortTime, table } from '../format.ts';

const idOf = (ctx: Context) => enc(need(ctx, 0, 'agreementId'));

export const AGREEMENT_LIFE_COMMANDS: Command[] = [
  {
    path: ['agreements', 'history'],
    summary: 'every change of an agreement: when, who, what changed (newest first)',
    args: ['agreementId'],
    options: { limit: { type: 'string' } },
    async run(ctx) {
      const limit =
        typeof ctx.values.limit === 'string' ? `?limit=${encodeURIComponent(ctx.values.limit)}` : '';
      const out = (await ctx.api.request('GET', `/ops/agreements/${idOf(ctx)}/history${limit}`)) as {
        items: { at: string; by: string; action: string; fields: string[] }[];
      };
      return {
        json: out.items,
        human: table(out.items, {
          AT: (c) => shortTime(c.at),
          BY: (c) => c.by,
          ACTION: (c) => c.action,
          CHANGED: (c) => c.fields.join(', '),
        }),
      };
    },
  },
  {
    path: ['agreements', 'renew'],
    summary:
      'renew an agreement for a new term (--from D --to D [--id NEW_ID]): same partner, topics, channels',
    args: ['agreementId'],
    options: { from: { type: 'string' }, to: { type: 'string' }, id: { type: 'string' } },
    async run(ctx) {
      const { from, to, id } = ctx.values;
      if (typeof from !== 'string' || typeof to !== 'string')
        throw new CliError('--from and --to are required (the new term, YYYY-MM-DD)', EXIT.usage);
      const out = (await ctx.api.request('POST', `/ops/agreements/${idOf(ctx)}/renew`, {
        validFrom: from,
        validTo: to,
        ...(typeof id === 'string' && { agreementId: id }),
      })) as { agreement: { agreementId: string; validFrom: string; validTo: string; renewalOf: string } };
      const a = out.agreement;
      return {
        json: out,
        human: `renewed ${a.renewalOf} as ${a.agreementId}: ${a.validFrom} → ${a.validTo}`,
      };
    },
  },
];
