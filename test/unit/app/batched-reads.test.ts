import { describe, expect, it } from 'vitest';
import { BatchedReads } from '#app/batched-reads.ts';

/** Reads of `table` through BatchedReads, each request noted: `one:<key>` or `many:<keys>`. */
function readsOf(table: Map<string, number>, failing: { many?: boolean; keys?: string[] } = {}) {
  const requests: string[] = [];
  const reads = new BatchedReads<number>({
    one: async (key) => {
      requests.push(`one:${key}`);
      if (failing.keys?.includes(key)) throw new Error(`cannot read ${key}`);
      return table.get(key);
    },
    many: async (keys) => {
      requests.push(`many:${keys.join(',')}`);
      if (failing.many) throw new Error('throttled');
      return new Map(keys.flatMap((k) => (table.has(k) ? [[k, table.get(k) as number] as const] : [])));
    },
  });
  return { reads, requests };
}

describe('BatchedReads', () => {
  it('makes the reads asked for in one turn as one request, each caller getting its own key', async () => {
    const { reads, requests } = readsOf(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );

    const got = await Promise.all([reads.get('a'), reads.get('b'), reads.get('c')]);

    expect(got).toEqual([1, 2, undefined]);
    expect(requests).toEqual(['many:a,b,c']);
  });

  it('reads a lone key as it always did, and the same key asked twice in a turn once', async () => {
    const { reads, requests } = readsOf(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );

    expect(await reads.get('a')).toBe(1);
    expect(await Promise.all([reads.get('b'), reads.get('a'), reads.get('b')])).toEqual([2, 1, 2]);

    expect(requests).toEqual(['one:a', 'many:b,a']);
  });

  it('keeps nothing: a read asked after a batch went reads again, and sees what changed since', async () => {
    const table = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    const { reads, requests } = readsOf(table);

    expect(await Promise.all([reads.get('a'), reads.get('b')])).toEqual([1, 2]);
    table.set('a', 10);
    expect(await Promise.all([reads.get('a'), reads.get('b')])).toEqual([10, 2]);

    expect(requests).toEqual(['many:a,b', 'many:a,b']);
  });

  it('reads each key alone when the batch fails, so only the caller whose key fails sees the error', async () => {
    const { reads, requests } = readsOf(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
      { many: true, keys: ['b'] },
    );

    const got = await Promise.allSettled([reads.get('a'), reads.get('b')]);

    expect(got[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(got[1]?.status).toBe('rejected');
    expect(requests).toEqual(['many:a,b', 'one:a', 'one:b']);
  });
});
