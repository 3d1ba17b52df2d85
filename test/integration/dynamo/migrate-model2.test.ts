import { describe, expect, it } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import type { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import { migrateDeliveriesToModel2 } from '#adapters/aws/dynamo-migrate.ts';
import { keys } from '#adapters/aws/table.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';
import { indexKeysOf, putBeforeModel2 } from '#test/support/model1-items.ts';

let store: DynamoDeliveryStore;
let table: Table;
onFreshTable((t) => {
  store = t.deliveries;
  table = t.table;
});

const indexKeys = (id: string) => indexKeysOf(table, id);

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
    for (const d of [failed, pending, delivered]) await putBeforeModel2(table, d);
    const failedBefore = await store.listByAgreement('old', { status: 'failed', limit: 10 });

    const first = await migrateDeliveriesToModel2(table);
    const again = await migrateDeliveriesToModel2(table);

    expect(failedBefore.items).toEqual([]);
    expect(first).toEqual({ scanned: 3, examined: 3, migrated: 3 });
    expect(again).toEqual({ scanned: 3, examined: 0, migrated: 0 });
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
