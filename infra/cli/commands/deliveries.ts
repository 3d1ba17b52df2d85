/** `loa deliveries list|get|attempts`, and the delivery filter and table `replays start` and `why` share. */
import type { AttemptsAnswer, Delivery, DeliveryPage } from '../api.ts';
import { type Command, type Context, enc, get, int, need, type Options, str } from '../command.ts';
import { fields, shortTime, table } from '../format.ts';
import { when } from '../when.ts';

/** A delivery as the lists show it: a whole one, a bulk replay's sample, or `why`'s summary (no article). */
type DeliveryRow = Pick<Delivery, 'deliveryId' | 'channelId' | 'status' | 'attemptCount' | 'updatedAt'> &
  Partial<Pick<Delivery, 'agreementId' | 'articleId' | 'version' | 'lastError'>>;

/** The columns of a delivery table. */
export const deliveryColumns = {
  DELIVERY: (d: DeliveryRow) => d.deliveryId,
  AGREEMENT: (d: DeliveryRow) => d.agreementId,
  CHANNEL: (d: DeliveryRow) => d.channelId,
  ARTICLE: (d: DeliveryRow) => `${d.articleId} v${d.version}`,
  STATUS: (d: DeliveryRow) => d.status,
  TRIES: (d: DeliveryRow) => d.attemptCount,
  'LAST ERROR': (d: DeliveryRow) => d.lastError ?? '',
  UPDATED: (d: DeliveryRow) => shortTime(d.updatedAt),
};

/** The filter flags (`loa help` names them once, for `deliveries list` and `replays start`). */
export const filterOptions: Options = {
  agreement: { type: 'string' },
  status: { type: 'string' },
  channel: { type: 'string' },
  article: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
};

/** The filter flags as the API names them (`--since 24h` made a time); the ones not given left out. */
export function filterOf(ctx: Context): Record<string, string> {
  const v = ctx.values;
  const now = ctx.now();
  const f = {
    agreementId: str(v.agreement),
    status: str(v.status),
    channel: str(v.channel),
    articleId: str(v.article),
    since: when('since', str(v.since), now),
    until: when('until', str(v.until), now),
  };
  return Object.fromEntries(Object.entries(f).filter(([, x]) => x !== undefined)) as Record<string, string>;
}

export const DELIVERY_COMMANDS: Command[] = [
  {
    path: ['deliveries', 'list'],
    summary: 'list deliveries by agreement, status, channel, article and time (--all follows the cursor)',
    options: {
      ...filterOptions,
      limit: { type: 'string' },
      cursor: { type: 'string' },
      all: { type: 'boolean' },
    },
    async run(ctx) {
      const limit = int('limit', ctx.values.limit, 1, 200) ?? 50;
      const items: Delivery[] = [];
      let cursor = str(ctx.values.cursor);
      do {
        const q = new URLSearchParams({ ...filterOf(ctx), limit: String(limit), ...(cursor && { cursor }) });
        const page = await get<DeliveryPage>(ctx, `/ops/deliveries?${q}`);
        items.push(...page.items);
        cursor = page.cursor;
      } while (ctx.values.all === true && cursor);
      const more = cursor ? `\nmore: --cursor ${cursor}` : '';
      return { json: { items, ...(cursor && { cursor }) }, human: table(items, deliveryColumns) + more };
    },
  },
  {
    path: ['deliveries', 'get'],
    summary: 'show one delivery',
    args: ['deliveryId'],
    async run(ctx) {
      const d = await get<Delivery>(ctx, `/ops/deliveries/${enc(need(ctx, 0, 'deliveryId'))}`);
      return {
        json: d,
        human: fields({ ...d, attempts: `${d.attemptCount} (see: loa deliveries attempts)` }),
      };
    },
  },
  {
    path: ['deliveries', 'attempts'],
    summary: 'show the attempts of a delivery',
    args: ['deliveryId'],
    async run(ctx) {
      const out = await get<AttemptsAnswer>(
        ctx,
        `/ops/deliveries/${enc(need(ctx, 0, 'deliveryId'))}/attempts`,
      );
      const human = table(out.items, {
        N: (a) => a.n,
        AT: (a) => shortTime(a.at),
        TRIGGER: (a) => a.trigger,
        OUTCOME: (a) => a.outcome,
        HTTP: (a) => a.httpStatus ?? '',
        ERROR: (a) => a.error ?? '',
        MS: (a) => a.durationMs,
      });
      return {
        json: out,
        human: `${out.deliveryId}: ${out.status}, ${out.attemptCount} attempt(s)\n${human}`,
      };
    },
  },
];
