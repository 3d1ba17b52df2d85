import { describe, expect, it } from 'vitest';
import type { DynamoCircuitStore } from '#adapters/aws/dynamo-circuit-store.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let store: DynamoCircuitStore;
const ENDPOINT = 'https://cms.vtv4.example';

onFreshTable((t) => {
  store = t.circuits;
});

describe('shared circuits in the table', () => {
  it('stores one item per endpoint that every worker reads back', async () => {
    const open = { endpoint: ENDPOINT, state: 'open' as const, at: 1_000, openMs: 30_000 };

    expect(await store.put(open)).toBe(true);

    expect(await store.get(ENDPOINT)).toEqual(open);
    expect(await store.get('https://other.example')).toBeUndefined();
  });

  it('keeps the later transition when two workers write in the wrong order', async () => {
    await store.put({ endpoint: ENDPOINT, state: 'closed', at: 2_000, openMs: 30_000 });

    const late = await store.put({ endpoint: ENDPOINT, state: 'open', at: 1_000, openMs: 30_000 });

    expect(late).toBe(false);
    expect(await store.get(ENDPOINT)).toMatchObject({ state: 'closed', at: 2_000 });
  });

  it('lets one worker claim the probe of a paused endpoint, and never undoes a resume written meanwhile', async () => {
    const paused = {
      endpoint: ENDPOINT,
      state: 'paused' as const,
      at: 1_000,
      openMs: 60_000,
      failingSince: 0,
    };
    await store.put(paused);

    const first = await store.replace(paused, { ...paused, at: 2_000 });
    const second = await store.replace(paused, { ...paused, at: 2_001 });
    await store.put({ endpoint: ENDPOINT, state: 'closed', at: 3_000, openMs: 30_000 });
    const stale = await store.replace({ ...paused, at: 2_000 }, { ...paused, at: 4_000 });

    expect([first, second, stale]).toEqual([true, false, false]);
    expect(await store.get(ENDPOINT)).toMatchObject({ state: 'closed', at: 3_000 });
  });
});
