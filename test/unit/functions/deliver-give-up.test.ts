/**
 * A message whose handling keeps throwing: on the receives before the queue's last it is a batch item
 * failure (SQS receives it again); on the last (ApproximateReceiveCount = maxReceiveCount) its
 * delivery ends as failed, with why, so that it is on its agreement's failed list rather than only on
 * the dead-letter queue, where no operator's list shows a delivery never attempted. Through the real
 * handler and worker, on in-memory ports; the fault is real: the article's manifest is not in the
 * package store, so every attempt throws before any request.
 */
import { describe, expect, it } from 'vitest';
import { GAVE_UP } from '#app/delivery-worker.ts';
import type { Deps } from '#app/deps.ts';
import { DELIVER_LIMITS, makeDeliverHandler } from '#functions/deliver.ts';
import { QUEUES } from '#infra/wiring.ts';
import type { ChannelAdapter, ChannelOf } from '#ports/channel-adapter.ts';
import { MAX_RECEIVES } from '#ports/work-queue.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { MEMORY_NOW, memoryDeps, memoryPorts } from '#test/support/memory/deps.ts';

const MISSING_MANIFEST = { bucket: 'loa-packages', key: 'packages/a1/v1/ninjs.json' };

/** A webhook channel that counts its sends (none may happen: the manifest read throws first). */
function countingChannel() {
  const sent: string[] = [];
  const adapter: ChannelAdapter<ChannelOf<'webhook'>, undefined, { status: number }> = {
    type: 'webhook',
    endpoint: (channel) => new URL(channel.url).origin,
    prepare: async () => undefined,
    send: async (ctx) => {
      sent.push(ctx.delivery.deliveryId);
      return { status: 200 };
    },
    undo: async () => ({ status: 200 }),
    classify: () => ({ verdict: 'delivered', durationMs: 1, httpStatus: 200 }),
  };
  return { adapter, sent };
}

function setup() {
  const ports = memoryPorts();
  const deps: Deps = memoryDeps({}, ports);
  const agreement = agreementFixture({
    agreementId: 'ag-1',
    validTo: '2099-12-31',
    channels: [
      { channelId: 'webhook', type: 'webhook', url: 'https://p.partner.example/hook', secretRef: 's' },
    ],
  });
  ports.agreements.items.set(agreement.agreementId, agreement);
  const d = deliveryFixture({
    deliveryId: 'dlv_poison',
    agreementId: 'ag-1',
    channelId: 'webhook',
    articleId: 'a1',
    manifest: MISSING_MANIFEST,
    createdAt: MEMORY_NOW.toISOString(),
    updatedAt: MEMORY_NOW.toISOString(),
  });
  ports.deliveries.items.set(d.deliveryId, d);
  const channel = countingChannel();
  const handler = makeDeliverHandler(
    () => deps,
    () => ({ webhook: channel.adapter }),
  );
  const receive = (count: number) =>
    handler(
      {
        Records: [
          {
            messageId: `m-${count}`,
            body: JSON.stringify({ deliveryId: d.deliveryId, trigger: 'scheduled' }),
            attributes: { ApproximateReceiveCount: String(count) },
          },
        ],
      } as never,
      { getRemainingTimeInMillis: () => 600_000 } as never,
    );
  return { ports, channel, receive, deliveryId: d.deliveryId };
}

describe('deliver handler, a message whose handling keeps throwing', () => {
  it('knows the delivery queues’ redrive: the last receive is the wiring’s maxReceiveCount', () => {
    expect(DELIVER_LIMITS.maxReceives).toBe(MAX_RECEIVES);
    for (const q of QUEUES.filter((q) => q.consumer.startsWith('deliver-'))) {
      expect(q.maxReceiveCount, q.name).toBe(MAX_RECEIVES);
    }
  });

  it('hands the message back on every receive before the last, leaving the delivery pending', async () => {
    const { ports, channel, receive, deliveryId } = setup();
    for (let count = 1; count < MAX_RECEIVES; count++) {
      const out = await receive(count);
      expect(out.batchItemFailures, `receive ${count}`).toEqual([{ itemIdentifier: `m-${count}` }]);
    }
    expect(ports.deliveries.items.get(deliveryId)?.status).toBe('pending');
    expect(channel.sent).toEqual([]);
  });

  it('ends the delivery as failed on the last receive, with why, and lets the message go', async () => {
    const { ports, channel, receive, deliveryId } = setup();
    const out = await receive(MAX_RECEIVES);

    expect(out.batchItemFailures).toEqual([]);
    const d = ports.deliveries.items.get(deliveryId);
    expect(d?.status).toBe('failed');
    expect(d?.lastError).toMatch(
      new RegExp(`^${GAVE_UP}: the worker failed on each of ${MAX_RECEIVES} receives`),
    );
    // The cause is named: the manifest that could not be read.
    expect(d?.lastError).toContain('NotFoundError');
    expect(d?.attempts.at(-1)).toMatchObject({ outcome: 'failed', error: d?.lastError });
    expect(channel.sent).toEqual([]);
  });

  it('sends the message to the dead-letter queue as before when the failure cannot be written either', async () => {
    const { ports, receive, deliveryId } = setup();
    ports.deliveries.recordOutcome = async () => {
      throw new Error('ProvisionedThroughputExceededException');
    };
    const out = await receive(MAX_RECEIVES);

    expect(out.batchItemFailures).toEqual([{ itemIdentifier: `m-${MAX_RECEIVES}` }]);
    expect(ports.deliveries.items.get(deliveryId)?.status).toBe('pending');
  });

  it('leaves a delivery that is already through as it is', async () => {
    const { ports, receive, deliveryId } = setup();
    const d = ports.deliveries.items.get(deliveryId);
    if (!d) throw new Error('no delivery');
    ports.deliveries.items.set(deliveryId, { ...d, status: 'delivered' });
    const out = await receive(MAX_RECEIVES);

    expect(out.batchItemFailures).toEqual([]);
    expect(ports.deliveries.items.get(deliveryId)?.status).toBe('delivered');
  });
});
