import { describe, expect, it } from 'vitest';
import { ENQUEUE_CHUNK, routePackage } from '#app/route-package.ts';
import type { Delivery } from '#domain/delivery.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import type { PushChannelType, WorkMessage } from '#ports/work-queue.ts';
import type { PackageReady } from '#schemas/events.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { MemoryDeliveryStore } from '#test/support/memory/deliveries.ts';
import { MEMORY_NOW, memoryDeps, memoryPorts } from '#test/support/memory/deps.ts';
import { RecordingQueue } from '#test/support/memory/ports.ts';

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

/** A queue that fails (as SQS throttling would) once `limit` batches have been sent. */
class FailingQueue extends RecordingQueue {
  constructor(private limit: number) {
    super();
  }

  override async enqueue(channel: PushChannelType, messages: WorkMessage[], delaySeconds = 0) {
    if (this.limit-- <= 0) throw new Error('RequestThrottled');
    return super.enqueue(channel, messages, delaySeconds);
  }
}

/**
 * A queue whose first `free` batches are sent at once and the rest wait until `letGo()` (never, for a
 * run killed part way: a Lambda timeout).
 */
class QueueHeldAfter extends RecordingQueue {
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

  override async enqueue(channel: PushChannelType, messages: WorkMessage[], delaySeconds = 0) {
    if (++this.#calls > this.free) await this.#gate;
    return super.enqueue(channel, messages, delaySeconds);
  }
}

/**
 * A delivery store whose creates all wait until `letGo()`: routing's creates (feed deliveries here)
 * are still under way.
 */
class HeldCreates extends MemoryDeliveryStore {
  #opened!: () => void;
  readonly #gate = new Promise<void>((resolve) => {
    this.#opened = resolve;
  });

  letGo() {
    this.#opened();
  }

  override async create(d: Delivery): Promise<boolean> {
    await this.#gate;
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
function portsWith(
  count: number,
  deliveries = new MemoryDeliveryStore(),
  queue: RecordingQueue = new RecordingQueue(),
) {
  const ports = { ...memoryPorts(), deliveries, queue };
  deliveries.routing = ports.routing;
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

/** A route of 40 agreements whose queue fails after 3 batches, then the table as it left it, with its routing log. */
async function failedHalfWay() {
  const failing = portsWith(40, new MemoryDeliveryStore(), new FailingQueue(3));
  await expect(routePackage(memoryDeps({}, failing), ready)).rejects.toThrow(/Throttled/);
  // Chunks sent before the failure are on the queue; the record stays marked.
  expect(failing.queue.messages).toHaveLength(3 * ENQUEUE_CHUNK);
  expect((await failing.routing.routedBefore(ready.articleId, 1))?.failedAt).toBe(MEMORY_NOW.toISOString());
  // The bus retries the event: the same table and routing log, a queue that works now.
  const table = new MemoryDeliveryStore([...failing.deliveries.items.values()]);
  const ports = portsWith(40, table);
  table.routing = failing.routing;
  return { ...ports, routing: failing.routing };
}

const webhookIds = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    deliveryIdFor(`agr-${String(i).padStart(3, '0')}`, 'webhook', ready.articleId, ready.version),
  ).sort();

describe('routePackage retried after a failure half way', () => {
  it('enqueues every pushed delivery on the retry, the ones the failed run sent too', async () => {
    const retry = await failedHalfWay();
    expect((await retry.routing.routedBefore(ready.articleId, 1))?.failedAt).toBe(MEMORY_NOW.toISOString());

    const result = await routePackage(memoryDeps({}, retry), ready);

    // The webhooks have no item (sent unstored), so the retry sends all 40 again, each carrying its delivery.
    expect(retry.deliveries.select((d) => d.channelType === 'webhook')).toEqual([]);
    expect(result.created.length + result.alreadyExisted.length).toBe(80);
    expect(result.alreadyExisted).toEqual(expect.arrayContaining(webhookIds(40)));
    expect(retry.queue.messages.map((m) => m.deliveryId).sort()).toEqual(webhookIds(40));
    for (const m of retry.queue.messages) expect(m.routed?.channelType).toBe('webhook');
    // The retry went through: a later repeat of the event is not a retry.
    expect((await retry.routing.routedBefore(ready.articleId, 1))?.failedAt).toBeUndefined();
  });

  it('does not enqueue again on the retry a delivery already attempted', async () => {
    const retry = await failedHalfWay();
    const attempted = webhookIds(40)[0] ?? '';
    const sent = (await retry.deliveries.listByArticle(ready.articleId)).find(
      (d) => d.deliveryId === attempted,
    );
    if (!sent) throw new Error('the routing record does not name the first webhook delivery');
    // Its worker's first write created the item.
    const { unstored: _, ...written } = sent;
    retry.deliveries.items.set(attempted, { ...written, status: 'delivered', attemptCount: 1 });

    await routePackage(memoryDeps({}, retry), ready);

    const enqueued = retry.queue.messages.map((m) => m.deliveryId);
    expect(enqueued).toHaveLength(39);
    expect(enqueued).not.toContain(attempted);
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
  it('sends the pushes, a SendMessageBatch per chunk, before any create returned, and is through only after them', async () => {
    const held = new HeldCreates();
    const ports = portsWith(25, held);

    const routed = routePackage(memoryDeps({}, ports), ready);
    await until(() => ports.queue.messages.length === 25);

    // 25 webhooks: chunks of 10, 10 and 5, one SendMessageBatch each, while the feeds' creates wait.
    expect(ports.queue.batches.map((b) => b.messages.length)).toEqual([10, 10, 5]);
    expect(held.items.size).toBe(0);
    expect((await ports.routing.routedBefore(ready.articleId, 1))?.failedAt).toBe(MEMORY_NOW.toISOString());

    held.letGo();
    const result = await routed;

    // 25 feeds created, 25 webhooks sent unstored: 50 deliveries made.
    expect(held.items.size).toBe(25);
    expect(result.created).toHaveLength(50);
    expect((await ports.routing.routedBefore(ready.articleId, 1))?.failedAt).toBeUndefined();
  });

  it('leaves the record marked when killed after its first chunk was sent; the retry sends the rest', async () => {
    const killed = portsWith(20, new MemoryDeliveryStore(), new QueueHeldAfter(1));
    // The run never ends (its second SendMessageBatch never returns: a Lambda timeout kills it).
    void routePackage(memoryDeps({}, killed), ready);
    await until(() => killed.queue.messages.length > 0);
    expect(killed.queue.messages).toHaveLength(ENQUEUE_CHUNK);
    expect((await killed.routing.routedBefore(ready.articleId, 1))?.failedAt).toBe(MEMORY_NOW.toISOString());

    // The bus retries the event: the table and routing log as the killed run left them.
    const table = new MemoryDeliveryStore([...killed.deliveries.items.values()]);
    const retry = { ...portsWith(20, table), routing: killed.routing };
    await routePackage(memoryDeps({}, retry), ready);

    // What the killed run sent goes again (a duplicate message is harmless), and the rest.
    expect(retry.queue.messages.map((m) => m.deliveryId).sort()).toEqual(webhookIds(20));
    expect((await retry.routing.routedBefore(ready.articleId, 1))?.failedAt).toBeUndefined();
  });
});
