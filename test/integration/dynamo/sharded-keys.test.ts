import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { deliveryItem } from '#adapters/aws/dynamo-delivery-item.ts';
import type { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import type { DynamoRoutingLog } from '#adapters/aws/dynamo-routing-log.ts';
import { INDEX, keys, SHARDS, shardOf } from '#adapters/aws/table.ts';
import type { Delivery } from '#domain/delivery.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let store: DynamoDeliveryStore;
let routing: DynamoRoutingLog;
let table: Table;

onFreshTable((t) => {
  store = t.deliveries;
  routing = t.routing;
  table = t.table;
});

const at = (minute: number) => `2025-06-01T08:${String(minute).padStart(2, '0')}:00.000Z`;

/** `count` pending deliveries of one article, one per agreement, each created a minute after the last. */
const fanOut = (count: number): Delivery[] =>
  Array.from({ length: count }, (_, i) =>
    deliveryFixture({
      agreementId: `agr-${String(i).padStart(3, '0')}`,
      createdAt: at(i),
      updatedAt: at(i),
    }),
  );

async function indexKeysOf(deliveryId: string) {
  const out = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: keys.delivery(deliveryId) }),
  );
  return { article: out.Item?.[INDEX.byArticle.pk], unfinished: out.Item?.[INDEX.unfinished.pk] };
}

/** Writes `d` as an item was written before the index keys were sharded (and before data model 2). */
async function putUnsharded(d: Delivery) {
  const item = {
    ...deliveryItem(d),
    [INDEX.byParent.pk]: keys.deliveriesOf(d.agreementId),
    [INDEX.byParent.sk]: `DELIVERY#${d.createdAt}#${d.deliveryId}`,
    [INDEX.byStatus.pk]: keys.deliveriesWithStatus(d.agreementId, d.status),
    [INDEX.byStatus.sk]: `${d.updatedAt}#${d.deliveryId}`,
    [INDEX.byArticle.pk]: `ARTICLE#${d.articleId}`,
    [INDEX.unfinished.pk]: 'UNFINISHED',
    [INDEX.unfinished.sk]: d.updatedAt,
  };
  await table.client.send(new PutCommand({ TableName: table.tableName, Item: item }));
}

describe(`Sharded index keys (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('spreads one article’s deliveries over the shards of its article key, and writes no unfinished key any more', async () => {
    const all = fanOut(48);
    for (const d of all) await store.create(d);

    const written = await Promise.all(all.map((d) => indexKeysOf(d.deliveryId)));
    const articleKeys = new Set(written.map((k) => k.article));
    expect(articleKeys.size).toBeGreaterThan(SHARDS / 2);
    for (const [i, d] of all.entries()) {
      expect(written[i]).toEqual({
        article: `ARTICLE#hagiang-article#${shardOf(`${d.agreementId}#${d.channelId}`)}`,
        unfinished: undefined,
      });
    }
  });

  it('reads every shard back: the article’s deliveries in version order', async () => {
    const all = fanOut(30);
    for (const d of [...all].reverse()) await store.create(d);
    const v2 = deliveryFixture({ agreementId: 'agr-000', version: 2, createdAt: at(40), updatedAt: at(40) });
    await store.create(v2);

    const byArticle = await store.listByArticle('hagiang-article');
    expect(byArticle.map((d) => `${d.version}/${d.agreementId}`)).toEqual([
      ...all.map((d) => `1/${d.agreementId}`),
      '2/agr-000',
    ]);
  });

  it('still reads deliveries written under the unsharded keys, and moves one to its open list when it changes', async () => {
    const [old, recent] = fanOut(2) as [Delivery, Delivery];
    await putUnsharded(old);
    await store.create(recent);

    expect((await store.listByArticle('hagiang-article')).map((d) => d.deliveryId)).toEqual([
      old.deliveryId,
      recent.deliveryId,
    ]);
    const ids = [old.agreementId, recent.agreementId];
    // The recent one was never attempted: on the queue, not on an open list; the old one is on the
    // unfinished index of before.
    expect((await store.listUnfinished(10, ids)).map((d) => d.deliveryId)).toEqual([old.deliveryId]);

    await store.recordOutcome(old, {
      status: 'retrying',
      nextAttemptAt: at(30),
      attempt: { n: 1, at: at(20), trigger: 'scheduled', outcome: 'retry', durationMs: 5 },
    });
    expect(await indexKeysOf(old.deliveryId)).toEqual({
      article: 'ARTICLE#hagiang-article',
      unfinished: undefined,
    });
    expect((await store.listUnfinished(10, ids)).map((d) => d.deliveryId)).toEqual([old.deliveryId]);
  });

  it('reads one agreement × channel by id up to the newest routed version: every version and takedown, whichever index carries it, nothing of other channels', async () => {
    const all = fanOut(20);
    for (const d of all) await store.create(d);
    const routed = { at: at(30), decisions: [] };
    await routing.record({ articleId: 'hagiang-article', version: 1, ...routed });
    await routing.record({ articleId: 'hagiang-article', version: 3, ...routed });
    const channelId = all[7]?.channelId ?? '';
    const on007 = { agreementId: 'agr-007', createdAt: at(30), updatedAt: at(30) };
    // Version 2 made by routing (its record names it: no article-index key), its takedown notice on
    // the sharded key, version 3 written before the keys were sharded.
    const v2 = deliveryFixture({ ...on007, version: 2 });
    const takedown = deliveryFixture({
      ...on007,
      version: 2,
      kind: 'withdrawal',
      deliveryId: deliveryIdFor('agr-007', channelId, 'hagiang-article', 2, 'withdrawal'),
    });
    const v3 = deliveryFixture({ ...on007, version: 3 });
    await store.create(v2, { namedByRouting: true });
    await store.create(takedown);
    await putUnsharded(v3);
    // A version past the newest routed one is not looked for: routing records every version first.
    await store.create(deliveryFixture({ ...on007, version: 4 }));

    const onChannel = await store.listOnChannel('hagiang-article', 'agr-007', channelId);

    expect(onChannel.map((d) => d.deliveryId)).toEqual([
      all[7]?.deliveryId,
      v2.deliveryId,
      takedown.deliveryId,
      v3.deliveryId,
    ]);
    expect((await indexKeysOf(v2.deliveryId)).article).toBeUndefined();
    expect((await indexKeysOf(takedown.deliveryId)).article).toBe(
      `ARTICLE#hagiang-article#${shardOf(`agr-007#${channelId}`)}`,
    );
  });
});
