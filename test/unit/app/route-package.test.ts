import { describe, expect, it } from 'vitest';
import { routePackage } from '#app/route-package.ts';
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
  expect(failing.queue.messages).toEqual([]);
  // The bus retries the event: the same table and routing log, a store that works now.
  const table = new MemoryDeliveryStore([...failing.deliveries.items.values()]);
  return { ...portsWith(40, table), routing: failing.routing };
}

describe('routePackage retried after a failure half way', () => {
  it('enqueues every pushed delivery on the retry, the ones the failed run created too', async () => {
    const retry = await failedHalfWay();
    expect(await retry.routing.failedAt(ready.articleId, 1)).toBe(MEMORY_NOW.toISOString());

    const result = await routePackage(memoryDeps({}, retry), ready);

    const webhooks = retry.deliveries.select((d) => d.channelType === 'webhook').map((d) => d.deliveryId);
    expect(webhooks).toHaveLength(40);
    expect(result.alreadyExisted.length).toBe(30);
    expect(retry.queue.messages.map((m) => m.deliveryId).sort()).toEqual(webhooks.sort());
    // The retry went through: a later repeat of the event is not a retry.
    expect(await retry.routing.failedAt(ready.articleId, 1)).toBeUndefined();
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
