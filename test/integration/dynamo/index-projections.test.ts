import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { fullItems, type Table } from '#adapters/aws/dynamo-commands.ts';
import { DynamoDeliveryQueries } from '#adapters/aws/dynamo-delivery-queries.ts';
import { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import { DynamoRoutingLog } from '#adapters/aws/dynamo-routing-log.ts';
import { INDEX, keys } from '#adapters/aws/table.ts';
import type { Attempt } from '#domain/delivery.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let table: Table;
onFreshTable((t) => {
  table = t.table;
});

const TITLE = 'Hà Giang ký kết phối hợp tuyên truyền với Ban Truyền hình đối ngoại VTV4';
const attempt = (outcome: Attempt['outcome'], at: string): Attempt => ({
  n: 1,
  at,
  trigger: 'scheduled',
  outcome,
  durationMs: 5,
  ...(outcome !== 'delivered' && { httpStatus: 503, error: 'HTTP 503' }),
});

/** The raw entries of one index partition, as DynamoDB returns them from the index. */
async function entriesOf(index: { name: string; pk: string }, pk: string) {
  const out = await table.client.send(
    new QueryCommand({
      TableName: table.tableName,
      IndexName: index.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': index.pk },
      ExpressionAttributeValues: { ':pk': pk },
    }),
  );
  return out.Items ?? [];
}

describe(`Index projections (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('keeps only keys on the by-article index and the filtered attributes on the lists, yet every reader returns whole deliveries', async () => {
    const store = new DynamoDeliveryStore(table);
    const queries = new DynamoDeliveryQueries(table);
    const ok = deliveryFixture({ agreementId: 'narrow', articleId: 'a1', title: TITLE });
    const failing = deliveryFixture({ agreementId: 'narrow', articleId: 'a2', title: TITLE });
    await store.create(ok);
    await store.create(failing);
    // listOnChannel reads by id up to the newest version routing recorded.
    await new DynamoRoutingLog(table).record({
      articleId: 'a2',
      version: 1,
      at: failing.createdAt,
      decisions: [],
    });
    await store.recordOutcome(ok, {
      status: 'delivered',
      attempt: attempt('delivered', '2025-06-01T08:01:00.000Z'),
    });
    await store.recordOutcome(failing, {
      status: 'retrying',
      attempt: attempt('retry', '2025-06-01T08:01:00.000Z'),
      nextAttemptAt: '2025-06-01T08:02:00.000Z',
      lastError: 'HTTP 503',
    });

    const [byArticle] = await entriesOf(INDEX.byArticle, keys.deliveriesOfArticle('a1', 'narrow', 'webhook'));
    expect(Object.keys(byArticle ?? {}).sort()).toEqual(['gsi3pk', 'gsi3sk', 'pk', 'sk']);
    const listed = await entriesOf(INDEX.byParent, keys.deliveriesOf('narrow'));
    expect(listed).toHaveLength(2);
    for (const entry of listed) {
      expect(entry).not.toHaveProperty('title');
      expect(entry).not.toHaveProperty('attempts');
      expect(entry).toHaveProperty('status');
    }
    const [open] = await entriesOf(INDEX.byStatus, keys.openOf('narrow'));
    expect(open).toMatchObject({ status: 'retrying', articleId: 'a2' });
    expect(open).not.toHaveProperty('manifest');

    const [a1] = await store.listByArticle('a1');
    expect(a1).toMatchObject({ deliveryId: ok.deliveryId, status: 'delivered', title: TITLE });
    expect(a1?.attempts).toHaveLength(1);
    const [onChannel] = await store.listOnChannel('a2', 'narrow', 'webhook');
    expect(onChannel).toMatchObject({ deliveryId: failing.deliveryId, lastError: 'HTTP 503', title: TITLE });
    const retrying = await store.listByAgreement('narrow', { status: 'retrying', limit: 10 });
    expect(retrying.items).toEqual([
      expect.objectContaining({ deliveryId: failing.deliveryId, title: TITLE }),
    ]);
    const all = await queries.findByAgreement('narrow', { channel: 'webhook' }, { limit: 10 });
    expect(all.items.map((d) => d.manifest.key).sort()).toEqual([
      'packages/a1/v1/ninjs.json',
      'packages/a2/v1/ninjs.json',
    ]);
    expect(await queries.countByAgreement('narrow', { status: 'delivered' })).toBe(1);
    const unfinished = await store.listUnfinished(10, ['narrow']);
    expect(unfinished).toEqual([
      expect.objectContaining({ deliveryId: failing.deliveryId, attemptCount: 1 }),
    ]);
  });

  it('reads back whole items past 100 keys, in the order of the entries, leaving out one deleted since', async () => {
    const store = new DynamoDeliveryStore(table);
    const made = Array.from({ length: 230 }, (_, n) =>
      deliveryFixture({ agreementId: `p-${String(n).padStart(3, '0')}`, articleId: 'wide', title: TITLE }),
    );
    for (const d of made) await store.create(d);
    const entries = made.map((d) => keys.delivery(d.deliveryId)).reverse();
    const gone = { pk: 'DELIVERY#gone', sk: 'META' };

    const items = await fullItems(table, [entries[0] ?? gone, gone, ...entries.slice(1)]);

    expect(items).toHaveLength(230);
    expect(items.map((i) => i.pk)).toEqual(entries.map((e) => e.pk));
    expect(items.every((i) => i.title === TITLE)).toBe(true);
    expect((await store.listByArticle('wide')).map((d) => d.agreementId)).toEqual(
      made.map((d) => d.agreementId),
    );
  });
});
