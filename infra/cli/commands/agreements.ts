/** `loa agreements list|get|create|update|suspend|resume` and `loa partners list`. */
import type { Agreement, AgreementWithStates, CreatedAnswer, PartnerView } from '../api.ts';
import { type ChannelJson, channelKind, channelTable } from '../channels.ts';
import { CliError, EXIT } from '../client.ts';
import { type Command, enc, get, list, need, patch, post, readJson, str } from '../command.ts';
import { table } from '../format.ts';
import { listed } from './list.ts';

const agreementColumns = {
  AGREEMENT: (a: Agreement) => a.agreementId,
  PARTNER: (a: Agreement) => a.partner?.name,
  STATUS: (a: Agreement) => a.status,
  TERM: (a: Agreement) => `${a.validFrom} → ${a.validTo}`,
  TOPICS: (a: Agreement) => (a.topics ?? []).join(','),
  CHANNELS: (a: Agreement) => (a.channels ?? []).map(channelKind).join(','),
};

/** One agreement: its row, then a table of its channels (kind, target, account; never a secret). */
const agreementHuman = (a: Agreement & Partial<Pick<AgreementWithStates, 'channelStates'>>) =>
  `${table([a], agreementColumns)}\n\n${channelTable(a.channels ?? [], a.channelStates)}`;

/** The `<webhook channelId>=<url>` pairs of `--webhook-url`. */
function webhookUrls(pairs: string[] | undefined): Record<string, string> | undefined {
  const urls = pairs?.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`--webhook-url ${pair}: use <channelId>=<url>`, EXIT.usage);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
  return urls && Object.fromEntries(urls);
}

export const AGREEMENT_COMMANDS: Command[] = [
  {
    path: ['agreements', 'list'],
    summary: 'list agreements',
    run: (ctx) => listed(ctx, '/ops/agreements', agreementColumns),
  },
  {
    path: ['agreements', 'get'],
    summary: 'show one agreement',
    args: ['agreementId'],
    async run(ctx) {
      const a = await get<AgreementWithStates>(ctx, `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}`);
      return { json: a, human: agreementHuman(a) };
    },
  },
  {
    path: ['agreements', 'create'],
    summary:
      'create an agreement from a JSON file (or - for stdin); prints the signing secrets Loa generated, once',
    args: ['file.json'],
    async run(ctx) {
      const file = await readJson(ctx, need(ctx, 0, 'file.json'));
      const out = await post<CreatedAnswer>(ctx, '/ops/agreements', file);
      // Only what Loa generated comes back (shown this once); social credentials sent in never do.
      const channels: ChannelJson[] = out.agreement?.channels ?? [];
      const secrets = Object.entries(out.secrets ?? {}).map(([id, secret]) => {
        const channel = channels.find((c) => c.channelId === id);
        return `secret ${id}${channel ? ` (${channelKind(channel)})` : ''}: ${secret}`;
      });
      return {
        json: out,
        human: [agreementHuman(out.agreement), ...(secrets.length ? ['', ...secrets] : [])].join('\n'),
      };
    },
  },
  {
    path: ['agreements', 'update'],
    summary: 'change topics, languages, term, embargo, partner name or webhook URLs',
    args: ['agreementId'],
    options: {
      topics: { type: 'string' },
      languages: { type: 'string' },
      'valid-from': { type: 'string' },
      'valid-to': { type: 'string' },
      embargo: { type: 'string' },
      'partner-name': { type: 'string' },
      'webhook-url': { type: 'string', multiple: true },
    },
    async run(ctx) {
      const v = ctx.values;
      const urls = webhookUrls(v['webhook-url'] as string[] | undefined);
      const body = Object.fromEntries(
        Object.entries({
          topics: list(v.topics),
          languages: list(v.languages),
          validFrom: str(v['valid-from']),
          validTo: str(v['valid-to']),
          embargo: str(v.embargo),
          partnerName: str(v['partner-name']),
          webhookUrls: urls,
        }).filter(([, x]) => x !== undefined),
      );
      if (Object.keys(body).length === 0)
        throw new CliError('nothing to change: give at least one option', EXIT.usage);
      const a = await patch<Agreement>(ctx, `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}`, body);
      return { json: a, human: table([a], agreementColumns) };
    },
  },
  ...(['suspend', 'resume'] as const).map(
    (verb): Command => ({
      path: ['agreements', verb],
      summary:
        verb === 'suspend' ? 'suspend an agreement (nothing new is sent)' : 'make an agreement active again',
      args: ['agreementId'],
      async run(ctx) {
        const a = await post<Agreement>(ctx, `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}/${verb}`);
        return { json: a, human: table([a], agreementColumns) };
      },
    }),
  ),
];

export const PARTNER_COMMANDS: Command[] = [
  {
    path: ['partners', 'list'],
    summary: 'list partners and their agreements',
    run: (ctx) =>
      listed<PartnerView>(ctx, '/ops/partners', {
        PARTNER: (p) => p.partnerId,
        NAME: (p) => p.name,
        AGREEMENTS: (p) => p.agreements.map((a) => `${a.agreementId} (${a.status})`).join(', '),
      }),
  },
];
