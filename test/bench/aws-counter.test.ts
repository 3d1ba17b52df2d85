import { describe, expect, it } from 'vitest';
import { INDEX, tableDefinition } from '#adapters/aws/table.ts';
import {
  AwsCounter,
  type IndexSpec,
  indexEntrySize,
  indexesOf,
  indexesOfTable,
  itemSize,
  kindOf,
  plainItem,
  storedBytes,
  TABLE_INDEXES,
  unseenUpdateUnits,
  writeUnits,
} from '../../bench/aws-counter.ts';

/** The table's indexes, every one projecting ALL: what the model assumed before it read projections. */
const ALL_INDEXES: IndexSpec[] = Object.values(INDEX).map((g) => ({ ...g, projection: 'ALL' }));
const [g1, g2] = ALL_INDEXES;
if (!g1 || !g2) throw new Error('the table has fewer than two indexes');

/** An item of exactly `bytes` bytes (attribute names and values), with the given extra attributes. */
function itemOf(bytes: number, extra: Record<string, string> = {}): Record<string, unknown> {
  const base = { pk: 'DELIVERY#d1', sk: 'META', ...extra };
  const used = itemSize(base);
  return { ...base, pad: 'x'.repeat(bytes - used - 'pad'.length) };
}

describe('itemSize', () => {
  it('counts attribute names and UTF-8 values, as DynamoDB sizes an item', () => {
    // "pk" 2 + "A" 1, "title" 5 + "Hà" 3 bytes, "n" 1 + number 12345 → ceil(5/2)+1 = 4
    expect(itemSize({ pk: 'A', title: 'Hà', n: 12345 })).toBe(3 + 8 + 5);
  });
});

describe('writeUnits, every index ALL', () => {
  it('a put of a 1,000-byte item on no index costs 1 unit; of 1,025 bytes, 2', () => {
    expect(writeUnits(undefined, itemOf(1000))).toBe(1);
    expect(writeUnits(undefined, itemOf(1025))).toBe(2);
  });

  it('a put on two indexes costs the item three times', () => {
    const keys = { [g1.pk]: 'A', [g1.sk]: 'B', [g2.pk]: 'C', [g2.sk]: 'D' };
    expect(writeUnits(undefined, itemOf(900, keys), ALL_INDEXES)).toBe(3);
    expect(writeUnits(undefined, itemOf(1500, keys), ALL_INDEXES)).toBe(6);
  });

  it('a moved index key costs a delete and a put on that index; an unmoved one an update', () => {
    const before = itemOf(500, { [g1.pk]: 'A', [g1.sk]: 'B', [g2.pk]: 'S#pending', [g2.sk]: 't1' });
    const after = itemOf(500, { [g1.pk]: 'A', [g1.sk]: 'B', [g2.pk]: 'S#delivered', [g2.sk]: 't2' });
    // table 1 + g1 (same key) 1 + g2 (moved) 1 + 1
    expect(writeUnits(before, after, ALL_INDEXES)).toBe(4);
  });

  it('an index key removed costs a delete on that index', () => {
    const before = itemOf(500, { [g2.pk]: 'U', [g2.sk]: 'x' });
    const after = itemOf(500);
    expect(writeUnits(before, after, ALL_INDEXES)).toBe(2);
  });
});

describe('storedBytes and indexesOf', () => {
  it('counts the item plus 100 bytes in the table and again in each index whose key it carries', () => {
    const item = itemOf(400, { [g1.pk]: 'A', [g1.sk]: 'B' });
    expect(indexesOf(item, ALL_INDEXES)).toEqual([g1.name]);
    expect(storedBytes(item, ALL_INDEXES)).toEqual({ table: 500, indexes: 500 });
  });

  it('an item with half an index key is not on that index', () => {
    expect(indexesOf({ pk: 'X', sk: 'Y', [g1.pk]: 'A' }, ALL_INDEXES)).toEqual([]);
  });
});

/** One index `gx` with the given projection, so these cases do not depend on table.ts's choice. */
const only = (projection: IndexSpec['projection'], nonKeyAttributes?: string[]): IndexSpec[] => [
  { name: 'gx', pk: 'gxpk', sk: 'gxsk', projection, ...(nonKeyAttributes ? { nonKeyAttributes } : {}) },
];

/**
 * A delivery on index gx. Sizes: pk "pk"+"DELIVERY#d1" 13, sk "sk"+"META" 6, gxpk "gxpk"+"A" 5,
 * gxsk "gxsk"+"B" 5 (keys: 29), status "status"+"sent" 10, body "body"+n.
 */
function delivery(overrides: Record<string, unknown> = {}, bodyBytes = 100): Record<string, unknown> {
  return {
    pk: 'DELIVERY#d1',
    sk: 'META',
    gxpk: 'A',
    gxsk: 'B',
    status: 'sent',
    body: 'x'.repeat(bodyBytes),
    ...overrides,
  };
}

describe('indexEntrySize', () => {
  it('a KEYS_ONLY entry holds the table keys and the index keys only', () => {
    expect(indexEntrySize(delivery({}, 3000), only('KEYS_ONLY')[0] as IndexSpec)).toBe(29);
  });

  it('an INCLUDE entry adds the listed attributes the item has, and nothing for those it lacks', () => {
    const index = only('INCLUDE', ['status', 'absent'])[0] as IndexSpec;
    expect(indexEntrySize(delivery(), index)).toBe(29 + 10);
  });

  it('an ALL entry is the whole item', () => {
    const item = delivery({}, 3000);
    expect(indexEntrySize(item, only('ALL')[0] as IndexSpec)).toBe(itemSize(item));
  });
});

describe('writeUnits by projection', () => {
  // The table item: 29 + 10 + 104 = 143 bytes with a 100-byte body, so 1 unit on the table.

  it('an update of an attribute an INCLUDE index does not list costs no index unit', () => {
    const before = delivery({}, 100);
    const after = delivery({}, 200);
    expect(writeUnits(before, after, only('INCLUDE', ['status']))).toBe(1);
  });

  it('an update of any non-key attribute costs no unit on a KEYS_ONLY index', () => {
    expect(writeUnits(delivery(), delivery({ status: 'failed' }), only('KEYS_ONLY'))).toBe(1);
  });

  it('an update of an attribute an INCLUDE index lists costs one index unit', () => {
    expect(writeUnits(delivery(), delivery({ status: 'failed' }), only('INCLUDE', ['status']))).toBe(2);
  });

  it('a change inside a projected map counts as a change of that attribute', () => {
    const before = delivery({ meta: { tries: 1 } });
    const after = delivery({ meta: { tries: 2 } });
    expect(writeUnits(before, after, only('INCLUDE', ['meta']))).toBe(2);
  });

  it('an update of any attribute costs one index unit on an ALL index', () => {
    expect(writeUnits(delivery({}, 100), delivery({}, 200), only('ALL'))).toBe(2);
  });

  it('an update that leaves every value as it was costs no index unit, even on an ALL index', () => {
    const before = delivery({ meta: { tries: 1 } });
    const after = delivery({ meta: { tries: 1 } });
    expect(writeUnits(before, after, only('ALL'))).toBe(1);
  });

  it('a moved index key costs a delete and a put on a KEYS_ONLY index too', () => {
    expect(writeUnits(delivery(), delivery({ gxsk: 'C' }), only('KEYS_ONLY'))).toBe(1 + 2);
  });

  it('an item leaving an INCLUDE index costs a delete of its entry', () => {
    const after = delivery();
    delete after.gxpk;
    expect(writeUnits(delivery(), after, only('INCLUDE', ['status']))).toBe(1 + 1);
  });

  it('a put of a 3 KB item costs 3 units on the table and 1 on a KEYS_ONLY index', () => {
    // 29 + 10 + 3004 = 3043 bytes: ceil(3043 / 1024) = 3 on the table; the entry is 29 bytes.
    const item = delivery({}, 3000);
    expect(writeUnits(undefined, item, only('KEYS_ONLY'))).toBe(3 + 1);
    expect(writeUnits(undefined, item, only('ALL'))).toBe(3 + 3);
  });

  it('a delete of a 3 KB item costs 1 unit on a KEYS_ONLY index', () => {
    expect(writeUnits(delivery({}, 3000), undefined, only('KEYS_ONLY'))).toBe(3 + 1);
  });

  it('an INCLUDE index that lists a large attribute bills its entry by size', () => {
    // Entry: 29 + "body" 4 + 3000 = 3033 bytes before, 3034 after: 3 units each way.
    const before = delivery({}, 3000);
    const after = delivery({}, 3001);
    expect(writeUnits(before, after, only('INCLUDE', ['body']))).toBe(3 + 3);
  });
});

describe('unseenUpdateUnits', () => {
  it('charges an ALL index an update of the entry, as the model did before it read projections', () => {
    const after = itemOf(1500, { [g1.pk]: 'A', [g1.sk]: 'B' });
    expect(unseenUpdateUnits(after, ALL_INDEXES)).toBe(2 + 2);
  });

  it('charges a KEYS_ONLY index nothing: its key is taken as unmoved', () => {
    expect(unseenUpdateUnits(delivery({}, 3000), only('KEYS_ONLY'))).toBe(3);
  });
});

describe('storedBytes by projection', () => {
  // The item: 29 + 10 + 3004 = 3043 bytes.
  const item = delivery({}, 3000);

  it('a KEYS_ONLY index stores the keys plus 100 bytes', () => {
    expect(storedBytes(item, only('KEYS_ONLY'))).toEqual({ table: 3143, indexes: 29 + 100 });
  });

  it('an INCLUDE index stores the keys, the listed attributes and 100 bytes', () => {
    expect(storedBytes(item, only('INCLUDE', ['status']))).toEqual({ table: 3143, indexes: 39 + 100 });
  });

  it('an ALL index stores the whole item again plus 100 bytes', () => {
    expect(storedBytes(item, only('ALL'))).toEqual({ table: 3143, indexes: 3143 });
  });

  it('an item off the index stores nothing there', () => {
    const off = delivery();
    delete off.gxsk;
    expect(storedBytes(off, only('KEYS_ONLY')).indexes).toBe(0);
  });
});

/** The model as it was when every index was taken to project ALL (before projections were read). */
function legacyWriteUnits(before?: Record<string, unknown>, after?: Record<string, unknown>): number {
  const units = (item?: Record<string, unknown>) =>
    item ? Math.max(1, Math.ceil(itemSize(item) / 1024)) : 0;
  let total = Math.max(1, units(before), units(after));
  for (const gsi of ALL_INDEXES) {
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

describe('the table as it is defined', () => {
  it('the default index list is read from tableDefinition, projections included', () => {
    const definition = tableDefinition('loa').GlobalSecondaryIndexes;
    expect(TABLE_INDEXES.map((g) => [g.name, g.pk, g.sk, g.projection])).toEqual(
      definition.map((g) => [
        g.IndexName,
        g.KeySchema[0]?.AttributeName,
        g.KeySchema[1]?.AttributeName,
        g.Projection.ProjectionType,
      ]),
    );
  });

  it('reads INCLUDE and KEYS_ONLY projections, and a missing one as ALL', () => {
    const keys = (pk: string, sk: string) => [
      { AttributeName: pk, KeyType: 'HASH' },
      { AttributeName: sk, KeyType: 'RANGE' },
    ];
    const indexes = indexesOfTable({
      GlobalSecondaryIndexes: [
        { IndexName: 'a', KeySchema: keys('apk', 'ask'), Projection: { ProjectionType: 'KEYS_ONLY' } },
        {
          IndexName: 'b',
          KeySchema: keys('bpk', 'bsk'),
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['status'] },
        },
        { IndexName: 'c', KeySchema: keys('cpk', 'csk') },
      ],
    });
    expect(indexes).toEqual([
      { name: 'a', pk: 'apk', sk: 'ask', projection: 'KEYS_ONLY' },
      { name: 'b', pk: 'bpk', sk: 'bsk', projection: 'INCLUDE', nonKeyAttributes: ['status'] },
      { name: 'c', pk: 'cpk', sk: 'csk', projection: 'ALL' },
    ]);
  });

  it('with every index ALL, write units and storage are what the former model gave', () => {
    const on1 = { [g1.pk]: 'A', [g1.sk]: 'B' };
    const on2 = { [g2.pk]: 'S#pending', [g2.sk]: 't1' };
    const pairs: [Record<string, unknown> | undefined, Record<string, unknown> | undefined][] = [
      [undefined, itemOf(300)],
      [undefined, itemOf(900, { ...on1, ...on2 })],
      [undefined, itemOf(2500, on1)],
      [itemOf(1000, on1), itemOf(1100, on1)],
      [itemOf(500, { ...on1, ...on2 }), itemOf(500, { ...on1, [g2.pk]: 'S#delivered', [g2.sk]: 't2' })],
      [itemOf(1500, on2), itemOf(600)],
      [itemOf(600), itemOf(1500, on2)],
      [itemOf(2100, { ...on1, ...on2 }), undefined],
    ];
    for (const [before, after] of pairs) {
      expect(writeUnits(before, after, ALL_INDEXES)).toBe(legacyWriteUnits(before, after));
      if (after) expect(unseenUpdateUnits(after, ALL_INDEXES)).toBe(legacyWriteUnits(after, after));
      const item = after ?? before ?? {};
      const each = itemSize(item) + 100;
      expect(storedBytes(item, ALL_INDEXES)).toEqual({
        table: each,
        indexes: indexesOf(item, ALL_INDEXES).length * each,
      });
    }
  });
});

type Handler = (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>;
type Middleware = (next: Handler, ctx: { commandName: string }) => Handler;

/** An AwsCounter hooked on a stand-in DynamoDB client; `send` runs one command through its middleware. */
function countedDynamo() {
  const counter = new AwsCounter();
  let middleware: Middleware | undefined;
  const middlewareStack = { add: (mw: Middleware) => (middleware = mw) };
  counter.hook('dynamo', { middlewareStack } as never);
  counter.enabled = true;
  const send = (commandName: string, input: Record<string, unknown>, output: Record<string, unknown>) =>
    middleware?.(async () => ({ output }), { commandName })({ input });
  return { counter, send };
}

describe('AwsCounter on UpdateItem', () => {
  it('models an update of an item it never saw as unseenUpdateUnits, and the next one from the image it kept', async () => {
    const { counter, send } = countedDynamo();
    const key = { pk: 'DELIVERY#d1', sk: 'META' };
    const first = itemOf(1500, { [g1.pk]: 'A', [g1.sk]: 'B', status: 'pending' });
    const second = { ...first, status: 'sent' };

    await send('UpdateItemCommand', { Key: key }, { Attributes: first });
    const afterFirst = counter.snapshot()['dynamo:UpdateItem']?.writeUnitsModelled;
    await send('UpdateItemCommand', { Key: key }, { Attributes: second });
    const afterSecond = counter.snapshot()['dynamo:UpdateItem']?.writeUnitsModelled;

    expect(afterFirst).toBe(unseenUpdateUnits(first));
    expect(afterSecond).toBe(unseenUpdateUnits(first) + writeUnits(first, second));
  });
});

describe('kindOf and plainItem', () => {
  it('names an item by the prefixes of its keys', () => {
    expect(kindOf({ pk: 'ARTICLE#a1', sk: 'ROUTE#v1' })).toBe('ARTICLE/ROUTE');
  });

  it('unmarshalls an item as the base client sends it, and leaves a plain one as it is', () => {
    expect(plainItem({ pk: { S: 'A' }, n: { N: '3' } })).toEqual({ pk: 'A', n: 3 });
    expect(plainItem({ pk: 'A' })).toEqual({ pk: 'A' });
  });
});
