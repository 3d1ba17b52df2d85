/**
 * The CLI's commands: each names its words, its options and its positionals, calls the ops API and
 * returns what to print (a human rendering, and the JSON for `--json`).
 */
import type { ParseArgsConfig } from 'node:util';
import { AGREEMENT_LIFE_COMMANDS } from './agreement-life.ts';
import { type ChannelJson, channelKind, channelTable } from './channels.ts';
import { type ApiClient, CliError, EXIT } from './client.ts';
import { fields, type JobProgress, progressBar, shortTime, table } from './format.ts';
import { REPORT_COMMANDS } from './report.ts';
import { seconds, when } from './when.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | string[] | boolean | undefined>;
type Value = Values[string];

export interface Context {
  api: ApiClient;
  values: Values;
  args: string[];
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
  readInput: (file: string) => Promise<string>;
  /** Shows a job's progress (stderr, when a TTY or `--progress`). */
  progress: (job: JobProgress) => void;
  /** Long-running commands (the dashboard proxy) run until this resolves. */
  until: Promise<void>;
  log: (line: string) => void;
}

export interface Output {
  json: unknown;
  human: string;
  /** Non-zero when the operation ran but did not succeed (a cancelled job). */
  exitCode?: number;
}

export interface Command {
  path: string[];
  summary: string;
  args?: string[];
  options?: Options;
  run(ctx: Context): Promise<Output>;
}

/** API answers as the CLI reads them: loosely, since the API validates and the CLI only prints. */
// biome-ignore lint/suspicious/noExplicitAny: JSON from the API, printed rather than trusted
type Json = Record<string, any>;

const str = (v: Value) => (typeof v === 'string' ? v : undefined);
const enc = encodeURIComponent;

function need(ctx: Context, i: number, name: string): string {
  const v = ctx.args[i];
  if (!v) throw new CliError(`missing <${name}>`, EXIT.usage);
  return v;
}

function int(flag: string, v: Value, min: number, max: number): number | undefined {
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${flag} ${v}: must be a whole number from ${min} to ${max}`, EXIT.usage);
  return n;
}

function list(v: Value): string[] | undefined {
  return typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/**
 * JSON.parse's complaint, less the excerpt of the input V8 quotes in some (`Unexpected token 'E',
 * ..."ken":EAAG…"... is not valid JSON`): an agreement file holds credentials, and stderr is no place
 * for a piece of a token.
 */
const jsonProblem = (message: string) => (/ is not valid JSON$/.test(message) ? 'unexpected token' : message);

async function readJson(ctx: Context, file: string): Promise<unknown> {
  const raw = await ctx.readInput(file);
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${jsonProblem((error as Error).message)}`, EXIT.usage);
  }
}

const get = (ctx: Context, path: string) => ctx.api.request('GET', path) as Promise<Json>;
const post = (ctx: Context, path: string, body?: unknown) =>
  ctx.api.request('POST', path, body) as Promise<Json>;

const deliveryColumns = {
  DELIVERY: (d: Json) => d.deliveryId,
  AGREEMENT: (d: Json) => d.agreementId,
  CHANNEL: (d: Json) => d.channelId,
  ARTICLE: (d: Json) => `${d.articleId} v${d.version}`,
  STATUS: (d: Json) => d.status,
  TRIES: (d: Json) => d.attemptCount,
  'LAST ERROR': (d: Json) => d.lastError ?? '',
  UPDATED: (d: Json) => shortTime(d.updatedAt),
};

const agreementColumns = {
  AGREEMENT: (a: Json) => a.agreementId,
  PARTNER: (a: Json) => a.partner?.name,
  STATUS: (a: Json) => a.status,
  TERM: (a: Json) => `${a.validFrom} → ${a.validTo}`,
  TOPICS: (a: Json) => (a.topics ?? []).join(','),
  CHANNELS: (a: Json) => (a.channels ?? []).map(channelKind).join(','),
};

/** One agreement: its row, then a table of its channels (kind, target, account; never a secret). */
const agreementHuman = (a: Json) =>
  `${table([a], agreementColumns)}\n\n${channelTable(a.channels ?? [], a.channelStates)}`;

const filterOptions: Options = {
  agreement: { type: 'string' },
  status: { type: 'string' },
  channel: { type: 'string' },
  article: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
};

function filterOf(ctx: Context): Record<string, string> {
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

/** Polls a job until it ends, showing progress; exit 1 when it did not finish (cancelled, failed). */
async function followJob(ctx: Context, path: string, job: Json): Promise<Output> {
  let current = job;
  ctx.progress(current as JobProgress);
  while (!['done', 'cancelled', 'failed'].includes(current.status)) {
    await ctx.sleep(500);
    current = await get(ctx, path);
    ctx.progress(current as JobProgress);
  }
  return {
    json: current,
    human: jobHuman(current),
    exitCode: current.status === 'done' ? EXIT.ok : EXIT.refused,
  };
}

function jobHuman(job: Json): string {
  const reasons = Object.entries(job.skippedReasons ?? {})
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  return fields({
    id: job.replayId,
    kind: job.kind,
    status: job.status,
    progress: progressBar(job as JobProgress),
    skipped: reasons || undefined,
    rate: `${job.ratePerSecond}/s`,
    filter: job.filter,
    'requested by': job.requestedBy,
    created: shortTime(job.createdAt),
    finished: shortTime(job.finishedAt),
  });
}

const wait = (ctx: Context) => ctx.values['no-wait'] !== true;

export const COMMANDS: Command[] = [
  ...REPORT_COMMANDS,
  ...AGREEMENT_LIFE_COMMANDS,
  {
    path: ['agreements', 'list'],
    summary: 'list agreements',
    async run(ctx) {
      const { items } = await get(ctx, '/ops/agreements');
      return { json: items, human: table(items, agreementColumns) };
    },
  },
  {
    path: ['agreements', 'get'],
    summary: 'show one agreement',
    args: ['agreementId'],
    async run(ctx) {
      const a = await get(ctx, `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}`);
      return { json: a, human: agreementHuman(a) };
    },
  },
  {
    path: ['agreements', 'create'],
    summary:
      'create an agreement from a JSON file (or - for stdin); prints the signing secrets Loa generated, once',
    args: ['file.json'],
    async run(ctx) {
      const out = await post(ctx, '/ops/agreements', await readJson(ctx, need(ctx, 0, 'file.json')));
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
      const urls = (v['webhook-url'] as string[] | undefined)?.map((pair) => {
        const at = pair.indexOf('=');
        if (at < 1) throw new CliError(`--webhook-url ${pair}: use <channelId>=<url>`, EXIT.usage);
        return [pair.slice(0, at), pair.slice(at + 1)];
      });
      const body = Object.fromEntries(
        Object.entries({
          topics: list(v.topics),
          languages: list(v.languages),
          validFrom: str(v['valid-from']),
          validTo: str(v['valid-to']),
          embargo: str(v.embargo),
          partnerName: str(v['partner-name']),
          webhookUrls: urls && Object.fromEntries(urls),
        }).filter(([, x]) => x !== undefined),
      );
      if (Object.keys(body).length === 0)
        throw new CliError('nothing to change: give at least one option', EXIT.usage);
      const a = (await ctx.api.request(
        'PATCH',
        `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}`,
        body,
      )) as Json;
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
        const a = await post(ctx, `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}/${verb}`);
        return { json: a, human: table([a], agreementColumns) };
      },
    }),
  ),
  {
    path: ['channels', 'resume'],
    summary: 'resume a paused channel: its held deliveries go out oldest first (--rate per second)',
    args: ['agreementId', 'channelId'],
    options: { rate: { type: 'string' } },
    async run(ctx) {
      const agreementId = enc(need(ctx, 0, 'agreementId'));
      const channelId = enc(need(ctx, 1, 'channelId'));
      const out = await post(
        ctx,
        `/ops/agreements/${agreementId}/channels/${channelId}/resume`,
        ctx.values.rate !== undefined ? { ratePerSecond: int('rate', ctx.values.rate, 1, 500) } : undefined,
      );
      const job = out.catchUp ?? {};
      return {
        json: out,
        human: `${out.channelId} of ${out.agreementId} resumed (${out.endpoint}); catch-up ${job.replayId}: ${job.total} held deliveries, ${job.ratePerSecond}/s`,
      };
    },
  },
  {
    path: ['partners', 'list'],
    summary: 'list partners and their agreements',
    async run(ctx) {
      const { items } = await get(ctx, '/ops/partners');
      const human = table(items as Json[], {
        PARTNER: (p) => p.partnerId,
        NAME: (p) => p.name,
        AGREEMENTS: (p) => p.agreements.map((a: Json) => `${a.agreementId} (${a.status})`).join(', '),
      });
      return { json: items, human };
    },
  },
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
      const items: Json[] = [];
      let cursor = str(ctx.values.cursor);
      do {
        const q = new URLSearchParams({ ...filterOf(ctx), limit: String(limit), ...(cursor && { cursor }) });
        const page = await get(ctx, `/ops/deliveries?${q}`);
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
      const d = await get(ctx, `/ops/deliveries/${enc(need(ctx, 0, 'deliveryId'))}`);
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
      const out = await get(ctx, `/ops/deliveries/${enc(need(ctx, 0, 'deliveryId'))}/attempts`);
      const human = table(out.items as Json[], {
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
  {
    path: ['replay'],
    summary: 'replay one delivery (--latest sends the article’s latest version)',
    args: ['deliveryId'],
    options: { latest: { type: 'boolean' } },
    async run(ctx) {
      const body = ctx.values.latest === true ? { version: 'latest' } : undefined;
      const { replay } = await post(ctx, `/ops/deliveries/${enc(need(ctx, 0, 'deliveryId'))}/replay`, body);
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
      const out = await post(ctx, '/ops/replays', body);
      if (out.dryRun) {
        const human = `${out.count} deliveries match\n${table(out.sample as Json[], deliveryColumns)}`;
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
      const job = await get(ctx, path);
      if (ctx.values.wait === true) return followJob(ctx, path, job);
      return { json: job, human: jobHuman(job) };
    },
  },
  {
    path: ['replays', 'cancel'],
    summary: 'cancel a replay by filter (it stops at its next step)',
    args: ['replayId'],
    async run(ctx) {
      const job = await post(ctx, `/ops/replays/${enc(need(ctx, 0, 'replayId'))}/cancel`);
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
      const out = await post(ctx, `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}/backfill`, body);
      if (out.dryRun) {
        const human = `${out.count} of ${out.routed} routed article versions would be sent\n${table(
          out.sample as Json[],
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
      const w = await get(ctx, `/ops/articles/${enc(need(ctx, 0, 'articleId'))}/why?${q}`);
      const human = [
        `${w.articleId} v${w.version} → ${w.agreementId}: ${w.covered ? 'covered' : 'not covered'} (${w.reason})`,
        w.explanation,
        w.deliveries.length ? table(w.deliveries as Json[], deliveryColumns) : 'no delivery',
      ].join('\n');
      return { json: w, human };
    },
  },
  {
    path: ['route-preview'],
    summary: 'how routing would decide an article not yet approved (a JSON file, or - for stdin)',
    args: ['file.json'],
    async run(ctx) {
      const raw = (await readJson(ctx, need(ctx, 0, 'file.json'))) as Json;
      // An events/ sample, a ContentApproved detail, or the article itself.
      const article = raw?.Detail?.article ?? raw?.article ?? raw;
      const out = await post(ctx, '/ops/route-preview', { article });
      const human = table(out.decisions as Json[], {
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
      const out = await post(ctx, `/ops/agreements/${enc(need(ctx, 0, 'agreementId'))}/feed-url`, {
        format,
        ...(ttlSeconds && { ttlSeconds }),
      });
      return { json: out, human: String(out.url ?? JSON.stringify(out)) };
    },
  },
  {
    path: ['rejections'],
    summary: 'bus events refused, with the field at fault',
    async run(ctx) {
      const { items } = await get(ctx, '/ops/rejections');
      const human = table(items as Json[], {
        AT: (r) => shortTime(r.at),
        HANDLER: (r) => r.handler,
        TYPE: (r) => r.detailType,
        PROBLEMS: (r) => (r.problems ?? []).join('; '),
      });
      return { json: items, human };
    },
  },
  {
    path: ['audit'],
    summary: 'the replay audit log: one delivery, replays by filter and backfills, newest first',
    options: { limit: { type: 'string' } },
    async run(ctx) {
      const limit = int('limit', ctx.values.limit, 1, 500) ?? 100;
      const { items } = await get(ctx, `/ops/replays?limit=${limit}`);
      const human = table(items as Json[], {
        AT: (a) => shortTime(a.requestedAt),
        ID: (a) => a.replayId,
        KIND: (a) => a.kind ?? 'one',
        BY: (a) => a.requestedBy,
        COUNT: (a) => a.count,
        FILTER: (a) => a.filter,
      });
      return { json: items, human };
    },
  },
  {
    path: ['health'],
    summary: 'per agreement: delivered, retrying and failed in the last hours (--hours, default 24)',
    options: { hours: { type: 'string' } },
    async run(ctx) {
      const hours = int('hours', ctx.values.hours, 1, 168) ?? 24;
      const out = await get(ctx, `/ops/health?hours=${hours}`);
      const human = table(out.items as Json[], {
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
