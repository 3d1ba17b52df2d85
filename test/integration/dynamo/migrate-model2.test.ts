import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { deliveryItem } from '#adapters/aws/dynamo-delivery-item.ts';
import type { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import { migrateDeliveriesToModel2 } from '#adapters/aws/dynamo-migrate.ts';
import { INDEX, keys } from '#adapters/aws/table.ts';
import type { Delivery } from '#domain/delivery.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let store: DynamoDeliveryStore;
let table: Table;
onFreshTable((t) => {
  store = t.deliveries;
  table = t.table;
});

/** `d` as Loa wrote it before data model 2: on gsi1 from its creation, under a per-status key, unfinished on gsi4. */
async function putBeforeModel2(d: Delivery) {
  const unfinished = d.status === 'pending' || d.status === 'retrying';
  await table.client.send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        ...deliveryItem(d),
        [INDEX.byParent.pk]: keys.deliveriesOf(d.agreementId),
        [INDEX.byParent.sk]: `DELIVERY#${d.createdAt}#${d.deliveryId}`,
        [INDEX.byStatus.pk]: keys.deliveriesWithStatus(d.agreementId, d.status),
        [INDEX.byStatus.sk]: `${d.updatedAt}#${d.deliveryId}`,
        ...(unfinished && { [INDEX.unfinished.pk]: 'UNFINISHED', [INDEX.unfinished.sk]: d.updatedAt }),
      },
    }),
  );
}

const indexKeys = async (id: string) => {
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: keys.delivery(id) }),
  );
  return { open: Item?.[INDEX.byStatus.pk], unfinished: Item?.[INDEX.unfinished.pk] };
};

describe(`Data model 2 migration (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('moves deliveries written before onto the open lists, once, so status lists and the sweeper find them', async () => {
    const failed = deliveryFixture({
      agreementId: 'old',
      articleId: 'a1',
      status: 'failed',
      attemptCount: 8,
    });
    const pending = deliveryFixture({ agreementId: 'old', articleId: 'a2' });
    const delivered = deliveryFixture({
      agreementId: 'old',
      articleId: 'a3',
      status: 'delivered',
      attemptCount: 1,
    });
    for (const d of [failed, pending, delivered]) await putBeforeModel2(d);
    const failedBefore = await store.listByAgreement('old', { status: 'failed', limit: 10 });

    const first = await migrateDeliveriesToModel2(table);
    const again = await migrateDeliveriesToModel2(table);

    expect(failedBefore.items).toEqual([]);
    expect(first).toEqual({ examined: 3, migrated: 3 });
    expect(again).toEqual({ examined: 0, migrated: 0 });
    expect(
      (await store.listByAgreement('old', { status: 'failed', limit: 10 })).items.map((d) => d.articleId),
    ).toEqual(['a1']);
    expect(
      (await store.listByAgreement('old', { status: 'delivered', limit: 10 })).items.map((d) => d.articleId),
    ).toEqual(['a3']);
    expect((await store.listUnfinished(10, ['old'])).map((d) => d.articleId)).toEqual(['a2']);
    expect(await indexKeys(delivered.deliveryId)).toEqual({ open: undefined, unfinished: undefined });
    expect(await indexKeys(pending.deliveryId)).toEqual({ open: keys.openOf('old'), unfinished: undefined });
  });
});
