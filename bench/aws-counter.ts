/**
 * Counts every AWS SDK request the handlers make, through the local runtime's `clientHook`: a
 * middleware at the `initialize` step of each client. For DynamoDB it also asks for the consumed
 * capacity (dynalite returns it for the table only) and models the write units the real service
 * bills, global secondary indexes included, from the items written.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ClientHook } from '#adapters/aws/clients.ts';
import { INDEX } from '#adapters/aws/table.ts';

type Args = { input: Record<string, unknown> };
type Out = { output: Record<string, unknown> };
type Ctx = { commandName?: string; clientName?: string };
type Middleware = (next: (args: Args) => Promise<Out>, ctx: Ctx) => (args: Args) => Promise<Out>;
type Stack = { add(mw: Middleware, opts: { step: 'initialize'; name: string }): void };

/** What one kind of call added up to. */
export interface CallStats {
  count: number;
  /** Calls that failed (a conditional write refused still costs a request, and capacity). */
  errors: number;
  /** PutEvents entries, SendMessageBatch entries: what EventBridge and SQS bill per item. */
  entries: number;
  /** Capacity units the emulator reported (reads: what DynamoDB bills; writes: the table only). */
  capacityReported: number;
  /** Write request units modelled as DynamoDB bills them: the table plus every index the write touched. */
  writeUnitsModelled: number;
  /** Summed client-side time of the calls, ms. */
  ms: number;
}

const CAPACITY_COMMANDS = new Set([
  'GetItemCommand',
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'BatchWriteItemCommand',
]);
export const DYNAMO_WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
]);
const GSIS = Object.values(INDEX);

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** An attribute value's size as DynamoDB counts it (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html). */
function valueSize(v: unknown): number {
  if (v === undefined) return 0;
  if (v === null || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number' || typeof v === 'bigint') {
    const digits = String(v).replace(/[-.]/g, '').replace(/^0+/, '').replace(/e.*$/i, '');
    return Math.ceil(Math.max(1, digits.length) / 2) + 1;
  }
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Set) return [...v].reduce((n: number, x) => n + valueSize(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce((n: number, x) => n + 1 + valueSize(x), 0);
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return 3 + entries.reduce((n, [k, x]) => n + 1 + utf8(k) + valueSize(x), 0);
  }
  return 0;
}

/** An item's size: attribute names plus values. */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item)
    .filter(([, v]) => v !== undefined)
    .reduce((n, [k, v]) => n + utf8(k) + valueSize(v), 0);
}

const units = (item: Record<string, unknown> | undefined) =>
  item ? Math.max(1, Math.ceil(itemSize(item) / 1024)) : 0;

/** The global secondary indexes an item sits on: those whose key attributes (pk and sk) it carries. */
export function indexesOf(item: Record<string, unknown>): string[] {
  return GSIS.filter((g) => typeof item[g.pk] === 'string' && typeof item[g.sk] === 'string').map(
    (g) => g.name,
  );
}

/** What DynamoDB adds to each item, in the table and in each index, when it bills storage. */
export const STORAGE_OVERHEAD_BYTES = 100;

/**
 * Bytes DynamoDB bills as stored for an item: the item plus 100 bytes in the table, and (every index
 * projects ALL) the same again in each index whose key it carries.
 */
export function storedBytes(item: Record<string, unknown>): { table: number; indexes: number } {
  const each = itemSize(item) + STORAGE_OVERHEAD_BYTES;
  return { table: each, indexes: indexesOf(item).length * each };
}

/** An item's kind for the figures: the prefixes of its keys (`DELIVERY/META`, `ARTICLE/ROUTING`). */
export function kindOf(item: Record<string, unknown> | undefined): string {
  const prefix = (v: unknown) => (typeof v === 'string' ? (v.split('#')[0] ?? '') : '?');
  return `${prefix(item?.pk)}/${prefix(item?.sk)}`;
}

/** The largest item written of one kind, and how many writes of that kind were over 1 KB. */
export interface LargestItem {
  bytes: number;
  writes: number;
  over1k: number;
}

/**
 * Write units of changing `before` into `after` (either may be absent): the table item, plus per
 * index (all project ALL) a put, a delete, an update in place, or a delete and a put when its key moved.
 */
export function writeUnits(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): number {
  let total = Math.max(1, units(before), units(after));
  for (const gsi of GSIS) {
    const keyOf = (item?: Record<string, unknown>) =>
      item && typeof item[gsi.pk] === 'string' && typeof item[gsi.sk] === 'string'
        ? `${item[gsi.pk]}\u0000${item[gsi.sk]}`
        : undefined;
    const [was, is] = [keyOf(before), keyOf(after)];
    if (was === undefined && is === undefined) continue;
    if (was === undefined) total += units(after);
    else if (is === undefined) total += units(before);
    else if (was !== is) total += units(before) + units(after);
    else total += Math.max(units(before), units(after));
  }
  return total;
}

/** Marshalled (`{S: …}`, as the base client sees it) or not, the item as plain values. */
export function plainItem(item: unknown): Record<string, unknown> | undefined {
  if (!item || typeof item !== 'object') return undefined;
  const pk = (item as Record<string, unknown>).pk;
  return pk && typeof pk === 'object'
    ? (unmarshall(item as never) as Record<string, unknown>)
    : (item as Record<string, unknown>);
}

const keyOfItem = (k: unknown) => {
  const key = k as { pk?: unknown; sk?: unknown } | undefined;
  return key ? `${String(key.pk)}|${String(key.sk)}` : '';
};

export class AwsCounter {
  /** Counting happens only while enabled (setup and checks are left out). */
  enabled = false;
  /** Asks updates for ALL_NEW so their index writes can be modelled (a little more on the wire). */
  modelWrites = true;
  readonly #stats = new Map<string, CallStats>();
  /** The last known image of each item written while counting, to model the next write to it. */
  readonly #items = new Map<string, Record<string, unknown>>();
  /** Per item kind (kindOf): the largest image written and the writes over 1 KB. */
  readonly #largest = new Map<string, LargestItem>();
  /** Per item kind: the largest image itself, to show what fills it. */
  readonly #largestImage = new Map<string, Record<string, unknown>>();

  readonly hook: ClientHook = (service, client) => {
    const stack = client.middlewareStack as unknown as Stack;
    stack.add((next, ctx) => (args) => this.#count(service, ctx.commandName ?? 'unknown', next, args), {
      step: 'initialize',
      name: 'benchAwsCounter',
    });
  };

  reset(): void {
    this.#stats.clear();
    this.#items.clear();
    this.#largest.clear();
    this.#largestImage.clear();
  }

  /** Per item kind: the largest item written since the reset. */
  largestImages(): Record<string, Record<string, unknown>> {
    return Object.fromEntries(this.#largestImage);
  }

  /** The last image of every item written since the reset (deleted ones left out). */
  images(): Record<string, unknown>[] {
    return [...this.#items.values()];
  }

  /** Per item kind: the largest item written since the reset, in bytes as DynamoDB sizes it. */
  largest(): Record<string, LargestItem> {
    return Object.fromEntries([...this.#largest].map(([k, v]) => [k, { ...v }]));
  }

  #noteSize(item: Record<string, unknown> | undefined): void {
    if (!item) return;
    const kind = kindOf(item);
    const bytes = itemSize(item);
    const l = this.#largest.get(kind) ?? { bytes: 0, writes: 0, over1k: 0 };
    if (bytes > l.bytes) this.#largestImage.set(kind, item);
    this.#largest.set(kind, {
      bytes: Math.max(l.bytes, bytes),
      writes: l.writes + 1,
      over1k: l.over1k + (bytes > 1024 ? 1 : 0),
    });
  }

  /** Per `service:Command`. */
  snapshot(): Record<string, CallStats> {
    return Object.fromEntries([...this.#stats].map(([k, v]) => [k, { ...v }]));
  }

  async #count(
    service: string,
    command: string,
    next: (args: Args) => Promise<Out>,
    args: Args,
  ): Promise<Out> {
    if (!this.enabled) return next(args);
    const dynamo = service === 'dynamo';
    let input = args.input;
    if (dynamo && CAPACITY_COMMANDS.has(command)) input = { ...input, ReturnConsumedCapacity: 'TOTAL' };
    if (dynamo && this.modelWrites && command === 'UpdateItemCommand' && !input.ReturnValues) {
      input = { ...input, ReturnValues: 'ALL_NEW' };
    }
    const key = `${service}:${command.replace(/Command$/, '')}`;
    const s = this.#stats.get(key) ?? {
      count: 0,
      errors: 0,
      entries: 0,
      capacityReported: 0,
      writeUnitsModelled: 0,
      ms: 0,
    };
    this.#stats.set(key, s);
    s.count++;
    if (Array.isArray(input.Entries)) s.entries += input.Entries.length;
    const started = performance.now();
    try {
      const out = await next({ ...args, input });
      const consumed = out.output.ConsumedCapacity as { CapacityUnits?: number } | undefined;
      s.capacityReported += consumed?.CapacityUnits ?? 0;
      if (dynamo && DYNAMO_WRITES.has(command)) s.writeUnitsModelled += this.#modelWrite(command, input, out);
      return out;
    } catch (error) {
      s.errors++;
      // A refused conditional write is billed like a write of the item it would have changed.
      if (dynamo && DYNAMO_WRITES.has(command)) s.writeUnitsModelled += 1;
      throw error;
    } finally {
      s.ms += performance.now() - started;
    }
  }

  #modelWrite(command: string, input: Record<string, unknown>, out: Out): number {
    if (command === 'PutItemCommand') {
      const item = plainItem(input.Item) ?? {};
      const k = keyOfItem(item);
      const before = this.#items.get(k);
      this.#items.set(k, item);
      this.#noteSize(item);
      return writeUnits(before, item);
    }
    if (command === 'UpdateItemCommand') {
      const after = plainItem(out.output.Attributes);
      const k = keyOfItem(plainItem(input.Key));
      const before = this.#items.get(k) ?? after;
      if (after) this.#items.set(k, after);
      this.#noteSize(after);
      return writeUnits(before, after);
    }
    if (command === 'DeleteItemCommand') {
      const k = keyOfItem(plainItem(input.Key));
      const before = this.#items.get(k);
      this.#items.delete(k);
      return writeUnits(before, undefined);
    }
    // BatchWriteItem: one unit per request item at least (not used by the handlers on this path).
    const requests = Object.values((input.RequestItems as Record<string, unknown[]>) ?? {}).flat();
    return requests.length;
  }
}
