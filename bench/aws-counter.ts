/**
 * Counts every AWS SDK request the handlers make, through the local runtime's `clientHook`: a
 * middleware at the `initialize` step of each client. For DynamoDB it also asks for the consumed
 * capacity (dynalite returns it for the table only) and models the write units the real service
 * bills, global secondary indexes included, from the items written and each index's projection as
 * tableDefinition() declares it.
 */
import { isDeepStrictEqual } from 'node:util';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ClientHook } from '#adapters/aws/clients.ts';
import { tableDefinition } from '#adapters/aws/table.ts';

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

/** Write units of an item or index entry of `bytes` bytes: one per started KB, at least one. */
const unitsOf = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

const units = (item: Record<string, unknown> | undefined) => (item ? unitsOf(itemSize(item)) : 0);

/** What a global secondary index copies from the table's items, besides the table's and its own keys. */
export type Projection = 'ALL' | 'INCLUDE' | 'KEYS_ONLY';

/** A global secondary index as the model sees it: its key attributes and what it projects. */
export interface IndexSpec {
  name: string;
  pk: string;
  sk: string;
  projection: Projection;
  /** INCLUDE only: the non-key attributes the index carries. */
  nonKeyAttributes?: readonly string[];
}

/** The shape of a CreateTable input this model reads (tableDefinition's, or any SDK-typed one). */
interface TableShape {
  KeySchema?: readonly { AttributeName?: string; KeyType?: string }[];
  GlobalSecondaryIndexes?: readonly {
    IndexName?: string;
    KeySchema?: readonly { AttributeName?: string; KeyType?: string }[];
    Projection?: { ProjectionType?: string; NonKeyAttributes?: readonly string[] };
  }[];
}

const keyNamed = (schema: TableShape['KeySchema'], type: 'HASH' | 'RANGE') =>
  schema?.find((k) => k.KeyType === type)?.AttributeName ?? '';

/** The indexes of a table definition, with their projections (a missing ProjectionType is ALL, as in CDK). */
export function indexesOfTable(table: TableShape = tableDefinition('loa')): IndexSpec[] {
  return (table.GlobalSecondaryIndexes ?? []).map((g) => {
    const projection = (g.Projection?.ProjectionType ?? 'ALL') as Projection;
    return {
      name: g.IndexName ?? '',
      pk: keyNamed(g.KeySchema, 'HASH'),
      sk: keyNamed(g.KeySchema, 'RANGE'),
      projection,
      ...(projection === 'INCLUDE' ? { nonKeyAttributes: g.Projection?.NonKeyAttributes ?? [] } : {}),
    };
  });
}

/** The table's own key attributes, which every index entry carries. */
const TABLE_KEYS = (() => {
  const { KeySchema } = tableDefinition('loa') as TableShape;
  return [keyNamed(KeySchema, 'HASH'), keyNamed(KeySchema, 'RANGE')].filter(Boolean);
})();

/** The indexes of the table the runtime creates (shared/adapters/aws/table.ts), read once. */
export const TABLE_INDEXES: readonly IndexSpec[] = indexesOfTable();

/** The item's key on an index, or undefined when it is not on it (both key attributes strings). */
function indexKey(item: Record<string, unknown> | undefined, index: IndexSpec): string | undefined {
  return item && typeof item[index.pk] === 'string' && typeof item[index.sk] === 'string'
    ? `${item[index.pk]}\u0000${item[index.sk]}`
    : undefined;
}

/** The non-key attributes an index copies besides its keys (ALL aside: it copies the whole item). */
const projectedNonKeys = (index: IndexSpec): readonly string[] =>
  index.projection === 'INCLUDE' ? (index.nonKeyAttributes ?? []) : [];

/** The attributes of an item an index copies: the table's keys, the index's keys and what it projects. */
function entryOf(item: Record<string, unknown>, index: IndexSpec): Record<string, unknown> {
  if (index.projection === 'ALL') return item;
  const names = [...TABLE_KEYS, index.pk, index.sk, ...projectedNonKeys(index)];
  return Object.fromEntries(names.filter((n) => n in item).map((n) => [n, item[n]]));
}

/**
 * The size of an item's entry on an index, as DynamoDB sizes it for write units and storage: the table's
 * key attributes, the index's key attributes and the projected non-key ones (ALL: the whole item).
 */
export function indexEntrySize(item: Record<string, unknown>, index: IndexSpec): number {
  return itemSize(entryOf(item, index));
}

/** Whether an update that leaves the index key alone changes what the index holds. */
function projectedChanged(before: Record<string, unknown>, after: Record<string, unknown>, index: IndexSpec) {
  if (index.projection === 'KEYS_ONLY') return false;
  const names =
    index.projection === 'ALL'
      ? new Set([...Object.keys(before), ...Object.keys(after)])
      : projectedNonKeys(index);
  return [...names].some((n) => !isDeepStrictEqual(before[n], after[n]));
}

/**
 * Write units one index bills for changing `before` into `after`, as DynamoDB documents it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations):
 * a put when the item enters the index, a delete when it leaves, both when its index key moves, an
 * update when the key stays and a projected attribute changes, and nothing otherwise. Each is sized
 * on the index entry, not the item (before for a delete, after for a put, the larger for an update).
 */
export function indexWriteUnits(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  index: IndexSpec,
): number {
  const [was, is] = [indexKey(before, index), indexKey(after, index)];
  const entryUnits = (item: Record<string, unknown>) => unitsOf(indexEntrySize(item, index));
  if (!before || was === undefined) return after && is !== undefined ? entryUnits(after) : 0;
  if (!after || is === undefined) return entryUnits(before);
  if (was !== is) return entryUnits(before) + entryUnits(after);
  return projectedChanged(before, after, index) ? Math.max(entryUnits(before), entryUnits(after)) : 0;
}

/** The global secondary indexes an item sits on: those whose key attributes (pk and sk) it carries. */
export function indexesOf(
  item: Record<string, unknown>,
  indexes: readonly IndexSpec[] = TABLE_INDEXES,
): string[] {
  return indexes.filter((g) => indexKey(item, g) !== undefined).map((g) => g.name);
}

/** What DynamoDB adds to each item, in the table and in each index, when it bills storage. */
export const STORAGE_OVERHEAD_BYTES = 100;

/**
 * Bytes DynamoDB bills as stored for an item: the item plus 100 bytes in the table, and in each index
 * whose key it carries its entry there plus 100 bytes
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.StorageConsiderations,
 * and the 100 bytes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
 */
export function storedBytes(
  item: Record<string, unknown>,
  indexes: readonly IndexSpec[] = TABLE_INDEXES,
): { table: number; indexes: number } {
  const onIndexes = indexes.filter((g) => indexKey(item, g) !== undefined);
  return {
    table: itemSize(item) + STORAGE_OVERHEAD_BYTES,
    indexes: onIndexes.reduce((n, g) => n + indexEntrySize(item, g) + STORAGE_OVERHEAD_BYTES, 0),
  };
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
 * Write units of changing `before` into `after` (either may be absent): the table item, plus what each
 * index bills for it (indexWriteUnits).
 */
export function writeUnits(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  indexes: readonly IndexSpec[] = TABLE_INDEXES,
): number {
  return (
    Math.max(1, units(before), units(after)) +
    indexes.reduce((n, g) => n + indexWriteUnits(before, after, g), 0)
  );
}

/**
 * Write units of an update whose before image was not seen (the item was written before counting
 * began): the index keys taken as unmoved and the projected attributes as changed, so each index
 * bills an update of the entry, but a KEYS_ONLY one nothing. With every index ALL, this is what
 * writeUnits charged such an update before it read projections.
 */
export function unseenUpdateUnits(
  after: Record<string, unknown>,
  indexes: readonly IndexSpec[] = TABLE_INDEXES,
): number {
  const onIndexes = indexes.filter((g) => g.projection !== 'KEYS_ONLY' && indexKey(after, g) !== undefined);
  return units(after) + onIndexes.reduce((n, g) => n + unitsOf(indexEntrySize(after, g)), 0);
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
      const before = this.#items.get(k);
      if (after) this.#items.set(k, after);
      this.#noteSize(after);
      return after && !before ? unseenUpdateUnits(after) : writeUnits(before, after);
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
