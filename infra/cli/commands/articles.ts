/** `loa why`, `loa route-preview` and `loa feed-url`: how routing decided, or would, and a partner's feed. */
import type { FeedUrlAnswer, PreviewAnswer, WhyAnswer } from '../api.ts';
import { CliError, EXIT } from '../client.ts';
import { type Command, enc, get, int, need, post, readJson, str } from '../command.ts';
import { table } from '../format.ts';
import { seconds } from '../when.ts';
import { deliveryColumns } from './deliveries.ts';

/** What `route-preview` reads: an events/ sample, a ContentApproved detail, or the article itself. */
type PreviewFile = { Detail?: { article?: unknown }; article?: unknown } | null;

export const ARTICLE_COMMANDS: Command[] = [
  {
    path: ['why'],
    summary: 'why an article did or did not go to an agreement (--agreement, --version)',
    args: ['articleId'],
    options: { agreement: { type: 'string' }, version: { type: 'string' } },
    async run(ctx) {
      const agreementId = str(ctx.values.agreement);
      if (!agreementId) throw new CliError('--agreement is required', EXIT.usage);
      const version = int('version', ctx.values.version, 1, 1e9);
      const q = new URLSearchParams({ agreementId, ...(version && { version: String(version) }) });
      const w = await get<WhyAnswer>(ctx, `/ops/articles/${enc(need(ctx, 0, 'articleId'))}/why?${q}`);
      const human = [
        `${w.articleId} v${w.version} → ${w.agreementId}: ${w.covered ? 'covered' : 'not covered'} (${w.reason})`,
        w.explanation,
        w.deliveries.length ? table(w.deliveries, deliveryColumns) : 'no delivery',
      ].join('\n');
      return { json: w, human };
    },
  },
  {
    path: ['route-preview'],
    summary: 'how routing would decide an article not yet approved (a JSON file, or - for stdin)',
    args: ['file.json'],
    async run(ctx) {
      const raw = (await readJson(ctx, need(ctx, 0, 'file.json'))) as PreviewFile;
      const article = raw?.Detail?.article ?? raw?.article ?? raw;
      const out = await post<PreviewAnswer>(ctx, '/ops/route-preview', { article });
      const human = table(out.decisions, {
        AGREEMENT: (d) => d.agreementId,
        COVERED: (d) => (d.covered ? 'yes' : 'no'),
        REASON: (d) => d.reason,
        WHY: (d) => d.explanation,
      });
      return { json: out, human };
    },
  },
  {
    path: ['feed-url'],
    summary: 'mint a signed feed URL (--format rss|atom|json|ninjs, --ttl 7d)',
    args: ['agreementId'],
    options: { format: { type: 'string' }, ttl: { type: 'string' } },
    async run(ctx) {
      const format = str(ctx.values.format) ?? 'rss';
      const ttlSeconds = seconds('ttl', str(ctx.values.ttl));
      const out = await post<FeedUrlAnswer>(
        ctx,
        `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}/feed-url`,
        {
          format,
          ...(ttlSeconds && { ttlSeconds }),
        },
      );
      return { json: out, human: String(out.url ?? JSON.stringify(out)) };
    },
  },
];
