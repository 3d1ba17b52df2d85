import { describe, expect, it } from 'vitest';
import { INDEX } from '#adapters/aws/table.ts';
import { indexesOf, itemSize, kindOf, plainItem, storedBytes, writeUnits } from '../../bench/aws-counter.ts';

const [g1, g2] = Object.values(INDEX);
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

describe('writeUnits', () => {
  it('a put of a 1,000-byte item on no index costs 1 unit; of 1,025 bytes, 2', () => {
    expect(writeUnits(undefined, itemOf(1000))).toBe(1);
    expect(writeUnits(undefined, itemOf(1025))).toBe(2);
  });

  it('a put on two indexes costs the item three times', () => {
    const keys = { [g1.pk]: 'A', [g1.sk]: 'B', [g2.pk]: 'C', [g2.sk]: 'D' };
    expect(writeUnits(undefined, itemOf(900, keys))).toBe(3);
    expect(writeUnits(undefined, itemOf(1500, keys))).toBe(6);
  });

  it('a moved index key costs a delete and a put on that index; an unmoved one an update', () => {
    const before = itemOf(500, { [g1.pk]: 'A', [g1.sk]: 'B', [g2.pk]: 'S#pending', [g2.sk]: 't1' });
    const after = itemOf(500, { [g1.pk]: 'A', [g1.sk]: 'B', [g2.pk]: 'S#delivered', [g2.sk]: 't2' });
    // table 1 + g1 (same key) 1 + g2 (moved) 1 + 1
    expect(writeUnits(before, after)).toBe(4);
  });

  it('an index key removed costs a delete on that index', () => {
    const before = itemOf(500, { [g2.pk]: 'U', [g2.sk]: 'x' });
    const after = itemOf(500);
    expect(writeUnits(before, after)).toBe(2);
  });
});

describe('storedBytes and indexesOf', () => {
  it('counts the item plus 100 bytes in the table and again in each index whose key it carries', () => {
    const item = itemOf(400, { [g1.pk]: 'A', [g1.sk]: 'B' });
    expect(indexesOf(item)).toEqual([g1.name]);
    expect(storedBytes(item)).toEqual({ table: 500, indexes: 500 });
  });

  it('an item with half an index key is not on that index', () => {
    expect(indexesOf({ pk: 'X', sk: 'Y', [g1.pk]: 'A' })).toEqual([]);
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
