/**
 * `loa events send FILE|-`: puts events on the bus with EventBridge `PutEvents`, as a CMS would. The
 * file is one entry (the samples in `events/`), an array of entries, or `{Entries: [...]}`; an entry
 * without `EventBusName` goes to Loa's bus, and an object `Detail` is stringified. Locally the
 * endpoint is the local server (it speaks PutEvents); against an https endpoint the call goes to
 * EventBridge in your AWS account (region from AWS_REGION), on `--bus`.
 */
import { LOCAL_CMS_ACCESS_KEY_ID } from '#infra/local/cms-key.ts';
import { CliError, EXIT } from '../client.ts';
import { type Command, need } from '../command.ts';
import { table } from '../format.ts';

interface Entry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  [key: string]: unknown;
}

const MAX_ENTRIES = 10; // PutEvents' own limit per call

/**
 * Loa's bus (`BUS_NAME` in infra/wiring.ts, which a test holds this to): not imported, because
 * wiring.ts brings zod and the event schemas, and the CLI would parse them at every start.
 */
export const DEFAULT_BUS = 'loa';

/** The entries of a file, each ready for PutEvents. */
function entriesOf(parsed: unknown, bus: string): Record<string, unknown>[] {
  const raw: unknown[] = Array.isArray(parsed)
    ? parsed
    : parsed && typeof parsed === 'object' && Array.isArray((parsed as { Entries?: unknown }).Entries)
      ? (parsed as { Entries: unknown[] }).Entries
      : [parsed];
  if (raw.length === 0) throw new CliError('no events in the file', EXIT.usage);
  return raw.map((e, i) => {
    if (!e || typeof e !== 'object') throw new CliError(`entry ${i}: not an object`, EXIT.usage);
    const entry = e as Entry;
    for (const field of ['Source', 'DetailType', 'Detail'] as const)
      if (entry[field] === undefined) throw new CliError(`entry ${i}: ${field} is missing`, EXIT.usage);
    return {
      ...entry,
      EventBusName: typeof entry.EventBusName === 'string' ? entry.EventBusName : bus,
      Detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail),
    };
  });
}

export const EVENTS_SEND: Command = {
  path: ['events', 'send'],
  summary:
    'put events on the bus (PutEvents): a file from events/, an array of entries, or - for stdin (--bus)',
  args: ['file.json'],
  options: { bus: { type: 'string' } },
  async run(ctx) {
    const file = need(ctx, 0, 'file.json');
    const raw = await ctx.readInput(file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new CliError(`${file} is not JSON`, EXIT.usage);
    }
    const bus = typeof ctx.values.bus === 'string' ? ctx.values.bus : DEFAULT_BUS;
    const entries = entriesOf(parsed, bus);
    const local = new URL(ctx.api.endpoint).protocol === 'http:';
    // Loaded only here: the rest of the CLI never pays for the SDK.
    const { EventBridgeClient, PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const client = new EventBridgeClient(
      local
        ? {
            endpoint: ctx.api.endpoint,
            region: 'us-east-1',
            // The local bus lets this key put `loa.cms` events only, as a CMS would (docs/security.md).
            credentials: {
              accessKeyId: process.env.LOA_CMS_ACCESS_KEY_ID ?? LOCAL_CMS_ACCESS_KEY_ID,
              secretAccessKey: 'local',
            },
          }
        : {},
    );
    const results: { EventId?: string; ErrorCode?: string; ErrorMessage?: string }[] = [];
    try {
      for (let i = 0; i < entries.length; i += MAX_ENTRIES) {
        const out = await client.send(
          new PutEventsCommand({ Entries: entries.slice(i, i + MAX_ENTRIES) as never }),
        );
        results.push(...(out.Entries ?? []));
      }
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      throw new CliError(
        `PutEvents failed: ${e.name ?? 'Error'}: ${e.message ?? ''}`,
        status && status < 500 ? EXIT.refused : EXIT.unreachable,
      );
    } finally {
      client.destroy();
    }
    const rows = entries.map((e, i) => ({ entry: e, result: results[i] ?? {} }));
    const failed = rows.filter((r) => r.result.ErrorCode).length;
    return {
      json: { failedEntryCount: failed, entries: results },
      human: table(rows, {
        BUS: (r) => r.entry.EventBusName,
        'DETAIL TYPE': (r) => r.entry.DetailType,
        'EVENT ID': (r) => r.result.EventId ?? '',
        ERROR: (r) => (r.result.ErrorCode ? `${r.result.ErrorCode}: ${r.result.ErrorMessage ?? ''}` : ''),
      }),
      ...(failed > 0 && { exitCode: EXIT.refused }),
    };
  },
};
