import { describe, expect, it } from 'vitest';
import { ENQUEUE_CHUNK, routePackage } from '#app/route-package.ts';
import type { Delivery } from '#domain/delivery.ts';
import type { PackageReady } from '#schemas/events.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { MemoryDeliveryStore } from '#test/support/memory/deliveries.ts';
import { MEMORY_NOW, memoryDeps, memoryPorts } from '#test/support/memory/deps.ts';

const ready: PackageReady = {
  articleId: 'cau-bac-me',
  version: 1,
  language: 'vi',
  topics: ['infrastructure'],
  title: 'Khánh thành cầu Bắc Mê',
  manifest: { bucket: 'loa-packages', key: 'cau-bac-me/v1/manifest.json' },
  manifestSha256: 'a'.repeat(64),
  assetIds: [],
  packagedAt: '2026-03-01T07:59:00Z',
};

/** A delivery store that fails (as DynamoDB throttling would) once `limit` creates have been written. */
class FailingAfter extends MemoryDeliveryStore {
  constructor(private limit: number) {
    super();
  }

  override async create(d: Delivery): Promise<boolean> {
    if (this.limit-- <= 0) throw new Error('ProvisionedThroughputExceededException');
    return super.create(d);
  }
}

/**
 * A delivery store whose first `free` creates are written at once and the rest wait until `letGo()`
 * (never, for a run killed part way: a Lambda timeout).
 */
class HeldAfter extends MemoryDeliveryStore {
  #calls = 0;
  #opened!: () => void;
  readonly #gate = new Promise<void>((resolve) => {
    this.#opened = resolve;
  });

  constructor(private readonly free: number) {
    super();
  }

  letGo() {
    this.#opened();
  }

  override async create(d: Delivery): Promise<boolean> {
    if (++this.#calls > this.free) await this.#gate;
    return super.create(d);
  }
}

/** Resolves once `done()` says so, looking again after each turn of the event loop. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; !done(); i++) {
    if (i > 1_000) throw new Error('not reached');
    await new Promise((r) => setImmediate(r));
  }
}

/** Ports with `count` covering agreements, each with one webhook and one feed channel. */
function portsWith(count: number, deliveries = new MemoryDeliveryStore()) {
  const ports = { ...memoryPorts(), deliveries };
  for (let i = 0; i < count; i++) {
    const agreementId = `agr-${String(i).padStart(3, '0')}`;
    ports.agreements.items.set(
      agreementId,
      agreementFixture({
        agreementId,
        channels: [
          { channelId: 'webhook', type: 'webhook', url: `http://127.0.0.1:9/${i}`, secretRef: 'ref' },
          { channelId: 'feed', type: 'feed' },
        ],
      }),
    );
  }
  return ports;
}

/** A route of 40 agreements that fails after 30 creates, then the table as it left it, with its routing log. */
async function failedHalfWay() {
  const failing = portsWith(40, new FailingAfter(30));
  await expect(routePackage(memoryDeps({}, failing), ready)).rejects.toThrow(/Throughput/);
  // Chunks whose creates all returned were enqueued before the failure; the record stays marked.
  const enqueued = failing.queue.messages.map((m) => m.deliveryId);
  expect(enqueued.length % ENQUEUE_CHUNK).toBe(0);
  for (const id of enqueued) expect(failing.deliveries.items.get(id)?.channelType).toBe('webhook');
  expect((await failing.routing.routedBefore(ready.articleId, 1))?.failedAt).toBe(MEMORY_NOW.toISOString());
  // The bus retries the event: the same table and routing log, a store that works now.
  const table = new MemoryDeliveryStore([...failing.deliveries.items.values()]);
  return { ...portsWith(40, table), routing: failing.routing };
}

describe('routePackage retried after a failure half way', () => {
  it('enqueues every pushed delivery on the retry, the ones the failed run created too', async () => {
    const retry = await failedHalfWay();
    expect((await retry.routing.routedBefore(ready.articleId, 1))?.failedAt).toBe(MEMORY_NOW.toISOString());

    const result = await routePackage(memoryDeps({}, retry), ready);

    const webhooks = retry.deliveries.select((d) => d.channelType === 'webhook').map((d) => d.deliveryId);
    expect(webhooks).toHaveLength(40);
    expect(result.alreadyExisted.length).toBe(30);
    expect(retry.queue.messages.map((m) => m.deliveryId).sort()).toEqual(webhooks.sort());
    // The retry went through: a later repeat of the event is not a retry.
    expect((await retry.routing.routedBefore(ready.articleId, 1))?.failedAt).toBeUndefined();
  });

  it('does not enqueue again on the retry a delivery already attempted', async () => {
    const retry = await failedHalfWay();
    const [attempted] = retry.deliveries
      .select((d) => d.channelType === 'webhook')
      .sort((a, b) => a.deliveryId.localeCompare(b.deliveryId));
    if (!attempted) throw new Error('the failed run created no webhook delivery');
    retry.deliveries.items.set(attempted.deliveryId, { ...attempted, status: 'delivered', attemptCount: 1 });

    await routePackage(memoryDeps({}, retry), ready);

    const enqueued = retry.queue.messages.map((m) => m.deliveryId);
    expect(enqueued).toHaveLength(39);
    expect(enqueued).not.toContain(attempted.deliveryId);
  });

  it('enqueues nothing again when the same event arrives after a run that went through', async () => {
    const ports = portsWith(3);
    await routePackage(memoryDeps({}, ports), ready);
    expect(ports.queue.messages).toHaveLength(3);

    const again = await routePackage(memoryDeps({}, ports), ready);

    expect(again.created).toEqual([]);
    expect(ports.queue.messages).toHaveLength(3);
  });
});

describe('routePackage enqueues as it creates', () => {
  it('enqueues each chunk of pushes as soon as its own creates returned, before the last create', async () => {
    const held = new HeldAfter(ENQUEUE_CHUNK);
    const ports = portsWith(25, held);

    const routed = routePackage(memoryDeps({}, ports), ready);
    await until(() => ports.queue.messages.length > 0);

    // The first chunk is on the queue while the other creates still wait, and the record is not through.
    expect(ports.queue.batches.map((b) => b.messages.length)).toEqual([ENQUEUE_CHUNK]);
    expect(held.items.size).toBe(ENQUEUE_CHUNK);
    expect((await ports.routing.routedBefore(ready.articleId, 1))?.failedAt).toBe(MEMORY_NOW.toISOString());

    held.letGo();
    const result = await routed;

    // 25 webhooks: chunks of 10, 10 and 5, one SendMessageBatch each; 25 feeds, enqueued never.
    expect(ports.queue.batches.map((b) => b.messages.length)).toEqual([10, 10, 5]);
    expect(result.created).toHaveLength(50);
    expect((await ports.routing.routedBefore(ready.articleId, 1))?.failedAt).toBeUndefined();
  });

  it('leaves the record marked when killed after its first chunk was enqueued; the retry enqueues the rest', async () => {
    const killed = portsWith(20, new HeldAfter(ENQUEUE_CHUNK));
    // The run never ends (its other creates never return: a Lambda timeout kills it).
    void routePackage(memoryDeps({}, killed), ready);
    await until(() => killed.queue.messages.length > 0);
    const first = killed.queue.messages.map((m) => m.deliveryId);
    expect(first).toHaveLength(ENQUEUE_CHUNK);
    expect((await killed.routing.routedBefore(ready.articleId, 1))?.failedAt).toBe(MEMORY_NOW.toISOString());

    // The bus retries the event: the table and routing log as the killed run left them.
    const table = new MemoryDeliveryStore([...killed.deliveries.items.values()]);
    const retry = { ...portsWith(20, table), routing: killed.routing };
    const result = await routePackage(memoryDeps({}, retry), ready);

    const webhooks = retry.deliveries.select((d) => d.channelType === 'webhook').map((d) => d.deliveryId);
    expect(webhooks).toHaveLength(20);
    expect(result.alreadyExisted.sort()).toEqual([...first].sort());
    // What the killed run enqueued goes again (a duplicate message is harmless), and the rest.
    expect(retry.queue.messages.map((m) => m.deliveryId).sort()).toEqual(webhooks.sort());
    expect((await retry.routing.routedBefore(ready.articleId, 1))?.failedAt).toBeUndefined();
  });
});
