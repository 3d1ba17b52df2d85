/** `loa demo partner <id> --fail|--fix`: the local demo's switch that breaks or fixes a partner. */
import { CliError, EXIT } from '../client.ts';
import { type Command, need } from '../command.ts';

export const DEMO_PARTNER: Command = {
  path: ['demo', 'partner'],
  summary: 'break (--fail) or fix (--fix) a demo partner of the local server, to see failures and replays',
  args: ['partnerId'],
  options: { fail: { type: 'boolean' }, fix: { type: 'boolean' } },
  async run(ctx) {
    const partnerId = need(ctx, 0, 'partnerId');
    if (ctx.values.fail === ctx.values.fix) throw new CliError('give one of --fail or --fix', EXIT.usage);
    const broken = ctx.values.fail === true;
    const out = await ctx.api.request('POST', `/demo/partners/${encodeURIComponent(partnerId)}/switch`, {
      broken,
    });
    const next = broken
      ? 'its webhooks now fail with 422'
      : 'it accepts webhooks again; loa replays start --agreement <its agreement> sends what failed';
    return { json: out, human: `${partnerId}: ${broken ? 'broken' : 'fixed'} (${next})` };
  },
};
