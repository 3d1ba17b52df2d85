/**
 * The deliver handler runs a batch's records side by side: at most `concurrency` at once, at most
 * `perEndpoint` requests to one partner endpoint, each record's failure reported on its own, and the
 * batch still answered when the abort fires. Through the real worker, on in-memory ports, with a fake
 * webhook channel whose requests wait until the test lets them go.
 */
import { describe, expect, it } from 'vitest';
import type { Deps } from '#app/deps.ts';
import { makeDeliverHandler } from '#functions/deliver.ts';
import type { ChannelAdapter, ChannelOf } from '#ports/channel-adapter.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { MEMORY_NOW, memoryDeps, memoryPorts } from '#test/support/memory/deps.ts';

const MANIFEST = { bucket: 'loa-packages', key: 'packages/a1/v1/ninjs.json' };

type Webhook = ChannelOf<'webhook'>;

/** A partner request the fake channel holds until `release` (or the signal aborts it). */
interface Held {
  endpoint: string;
  deliveryId: string;
  release: (status?: number) => void;
}

/** A webhook channel whose requests wait in `held`; `whenHeld(k)` resolves once k wait at once. */
function gatedChannel() {
  const held: Held[] = [];
  const waiters: { k: number; resolve: () => void }[] = [];
  let most = 0;
  const perEndpointMost = new Map<string, number>();
  const inFlight = (endpoint: string) => held.filter((h) => h.endpoint === endpoint).length;
  const adapter: ChannelAdapter<Webhook, undefined, { status: number }> = {
    type: 'webhook',
    endpoint: (channel) => new URL(channel.url).origin,
    prepare: async () => undefined,
    send: (ctx) =>
      new Promise((resolve) => {
        const endpoint = new URL(ctx.channel.url).origin;
        const h: Held = {
          endpoint,
          deliveryId: ctx.delivery.deliveryId,
          release: (status = 200) => {
            ctx.signal?.removeEventListener('abort', aborted);
            held.splice(held.indexOf(h), 1);
            resolve({ status });
          },
        };
        const aborted = () => h.release(599);
        held.push(h);
        // As a real request does: an aborted signal ends it at once, or as soon as it fires.
        if (ctx.signal?.aborted) return h.release(599);
        ctx.signal?.addEventListener('abort', aborted);
        most = Math.max(most, held.length);
        perEndpointMost.set(endpoint, Math.max(perEndpointMost.get(endpoint) ?? 0, inFlight(endpoint)));
        for (const w of waiters.filter((w) => held.length >= w.k)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }),
    undo: async () => ({ status: 200 }),
    classify: (sent) =>
      sent.status === 200
        ? { verdict: 'delivered', durationMs: 1, httpStatus: 200 }
        : { verdict: 'retry', durationMs: 1, httpStatus: sent.status, error: `answered ${sent.status}` },
  };
  return {
    adapter,
    held,
    get most() {
      return most;
    },
    perEndpointMost,
    whenHeld: (k: number) =>
      held.length >= k ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ k, resolve })),
  };
}

/** In-memory deps with one agreement per partner host, and `n` deliveries, the i-th to `hostOf(i)`. */
function setup(hosts: string[], n: number, hostOf = (i: number) => hosts[i % hosts.length] as string) {
  const ports = memoryPorts();
  const deps: Deps = memoryDeps({}, ports);
  ports.packages.put(MANIFEST, JSON.stringify({ uri: 'x', associations: [] }));
  for (const host of hosts) {
    const agreement = agreementFixture({
      agreementId: `ag-${host}`,
      validTo: '2099-12-31',
      channels: [{ channelId: 'webhook', type: 'webhook', url: `https://${host}/hook`, secretRef: 's' }],
    });
    ports.agreements.items.set(agreement.agreementId, agreement);
  }
  const records = Array.from({ length: n }, (_, i) => {
    const host = hostOf(i);
    const d = deliveryFixture({
      deliveryId: `dlv_${i}`,
      agreementId: `ag-${host}`,
      channelId: 'webhook',
      articleId: 'a1',
      manifest: MANIFEST,
      createdAt: MEMORY_NOW.toISOString(),
      updatedAt: MEMORY_NOW.toISOString(),
    });
    ports.deliveries.items.set(d.deliveryId, d);
    return { messageId: `m${i}`, body: JSON.stringify({ deliveryId: d.deliveryId, trigger: 'scheduled' }) };
  });
  return { deps, ports, event: { Records: records } as never };
}

const roomy = { getRemainingTimeInMillis: () => 600_000 } as never;

describe('deliver handler, concurrent records', () => {
  it('runs the records of a batch concurrently', async () => {
    const hosts = Array.from({ length: 10 }, (_, i) => `p${i}.partner.example`);
    const { deps, event, ports } = setup(hosts, 10);
    const channel = gatedChannel();
    const handler = makeDeliverHandler(
      () => deps,
      () => ({ webhook: channel.adapter }),
    );

    const answered = handler(event, roomy);
    // All ten requests wait at once: had the records run one by one, the first would wait alone forever.
    await channel.whenHeld(10);
    for (const h of [...channel.held]) h.release();
    const out = await answered;

    expect(out.batchItemFailures).toEqual([]);
    expect([...ports.deliveries.items.values()].map((d) => d.status)).toEqual(Array(10).fill('delivered'));
  });

  it('keeps the old path: concurrency 1 runs one record at a time', async () => {
    const { deps, event } = setup(['a.partner.example', 'b.partner.example'], 4);
    const channel = gatedChannel();
    const handler = makeDeliverHandler(
      () => deps,
      () => ({ webhook: channel.adapter }),
      { concurrency: 1 },
    );

    const answered = handler(event, roomy);
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      await channel.whenHeld(1);
      order.push(...channel.held.map((h) => h.deliveryId));
      channel.held[0]?.release();
    }
    await answered;

    expect(order).toEqual(['dlv_0', 'dlv_1', 'dlv_2', 'dlv_3']);
    expect(channel.most).toBe(1);
  });

  it('never has more than the per-endpoint cap in flight to one endpoint, while others go on', async () => {
    // Eight records for a slow partner, two for another: the cap lets the other's through at once.
    const hosts = ['slow.partner.example', 'fast.partner.example'];
    const { deps, ports, event } = setup(hosts, 10, (i) =>
      i < 8 ? 'slow.partner.example' : 'fast.partner.example',
    );
    const channel = gatedChannel();
    const handler = makeDeliverHandler(
      () => deps,
      () => ({ webhook: channel.adapter }),
      { perEndpoint: 3 },
    );

    const answered = handler(event, roomy);
    await channel.whenHeld(5);
    // Three of the slow partner's (the cap), and both of the fast one's, which did not wait behind them.
    expect(channel.held.filter((h) => h.endpoint === 'https://slow.partner.example')).toHaveLength(3);
    expect(channel.held.filter((h) => h.endpoint === 'https://fast.partner.example')).toHaveLength(2);
    // Released one at a time, the rest go through, never more than three at once to the slow partner.
    while (channel.held.length > 0 || ports.deliveries.outcomes.length < 10) {
      await channel.whenHeld(1);
      channel.held[0]?.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const out = await answered;

    expect(out.batchItemFailures).toEqual([]);
    expect(channel.perEndpointMost.get('https://slow.partner.example')).toBe(3);
    expect([...ports.deliveries.items.values()].every((d) => d.status === 'delivered')).toBe(true);
  });

  it('reports failures per record, in the batch order, whatever order they ended in', async () => {
    const hosts = Array.from({ length: 6 }, (_, i) => `p${i}.partner.example`);
    const { deps, event, ports } = setup(hosts, 6);
    // dlv_1 and dlv_4 cannot have their outcome written: their records throw.
    const record = ports.deliveries.recordOutcome.bind(ports.deliveries);
    ports.deliveries.recordOutcome = async (current, write) => {
      if (current.deliveryId === 'dlv_1' || current.deliveryId === 'dlv_4') throw new Error('throttled');
      return record(current, write);
    };
    const channel = gatedChannel();
    const handler = makeDeliverHandler(
      () => deps,
      () => ({ webhook: channel.adapter }),
    );

    const answered = handler(event, roomy);
    await channel.whenHeld(6);
    // Released last first: dlv_4's record fails before dlv_1's.
    for (const h of [...channel.held].reverse()) h.release();
    const out = await answered;

    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm4' }]);
    const statuses = Object.fromEntries([...ports.deliveries.items].map(([id, d]) => [id, d.status]));
    expect(statuses).toMatchObject({ dlv_0: 'delivered', dlv_2: 'delivered', dlv_5: 'delivered' });
  });

  it('still answers the batch when the abort fires with records in flight and waiting', async () => {
    const { deps, event, ports } = setup(['one.partner.example'], 4);
    deps.config.retryPolicy.timeoutMs = 0;
    // 2.5 s left: the records start (deadline 0 + 2 s reserve), then the signal fires 1 s before the end.
    const end = Date.now() + 2_500;
    const context = { getRemainingTimeInMillis: () => end - Date.now() } as never;
    const channel = gatedChannel();
    const handler = makeDeliverHandler(
      () => deps,
      () => ({ webhook: channel.adapter }),
      { perEndpoint: 2 },
    );

    // Nothing is released by the test: the abort ends the two in flight, then the two waiting.
    const out = await handler(event, context);

    expect(out.batchItemFailures).toEqual([]);
    expect(ports.deliveries.outcomes).toHaveLength(4);
    expect([...ports.deliveries.items.values()].map((d) => d.status)).toEqual(Array(4).fill('retrying'));
    expect(channel.perEndpointMost.get('https://one.partner.example')).toBe(2);
  });

  it('never attempts one delivery twice at once: its second record runs after the first', async () => {
    const { deps, ports } = setup(['a.partner.example', 'b.partner.example'], 2);
    const body = (id: string) => JSON.stringify({ deliveryId: id, trigger: 'scheduled' });
    // dlv_0 twice (a duplicate message), dlv_1 once, in one batch.
    const records = [
      { messageId: 'm0', body: body('dlv_0') },
      { messageId: 'm1', body: body('dlv_1') },
      { messageId: 'm2', body: body('dlv_0') },
    ];
    const channel = gatedChannel();
    const handler = makeDeliverHandler(
      () => deps,
      () => ({ webhook: channel.adapter }),
    );

    const answered = handler({ Records: records } as never, roomy);
    await channel.whenHeld(2);
    expect(channel.held.map((h) => h.deliveryId).sort()).toEqual(['dlv_0', 'dlv_1']);
    for (const h of [...channel.held]) h.release();
    const out = await answered;

    // The copy read dlv_0 once it was delivered, and sent nothing.
    expect(out.batchItemFailures).toEqual([]);
    expect(channel.most).toBe(2);
    expect(ports.deliveries.outcomes).toHaveLength(2);
  });
});
