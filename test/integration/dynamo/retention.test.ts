import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import { keys, TTL_ATTRIBUTE } from '#adapters/aws/table.ts';
import { Config } from '#config/config.ts';
import type { Attempt } from '#domain/delivery.ts';
import { DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS } from '#domain/fact.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let table: Table;
onFreshTable((t) => {
  table = t.table;
});

const AT = '2026-03-01T08:00:00.000Z';
const attempt = (outcome: Attempt['outcome']): Attempt => ({
  n: 1,
  at: AT,
  trigger: 'scheduled',
  outcome,
  durationMs: 5,
});

async function expiryOf(deliveryId: string): Promise<number | undefined> {
  const out = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: keys.delivery(deliveryId) }),
  );
  return out.Item?.[TTL_ATTRIBUTE] as number | undefined;
}

describe(`Retention of finished deliveries (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('gives a delivery its TTL when it finishes, none while it is not through, and takes it back on a replay', async () => {
    const store = new DynamoDeliveryStore(table, { retentionDays: 90 });
    const done = deliveryFixture({ agreementId: 'kept' });
    const failing = deliveryFixture({ agreementId: 'kept', articleId: 'other' });
    await store.create(done);
    await store.create(failing);

    await store.recordOutcome(done, { status: 'delivered', attempt: attempt('delivered') });
    await store.recordOutcome(failing, { status: 'retrying', attempt: attempt('retry') });
    const ninetyDays = Date.parse(AT) / 1000 + 90 * 86_400;

    expect(await expiryOf(done.deliveryId)).toBe(ninetyDays);
    expect(await expiryOf(failing.deliveryId)).toBeUndefined();

    await store.reopenForReplay(done.deliveryId, '2026-03-02T00:00:00.000Z');
    expect(await expiryOf(done.deliveryId)).toBeUndefined();
  });

  it('keeps deliveries for ever when no retention is configured (a store built without one)', async () => {
    const store = new DynamoDeliveryStore(table);
    const d = deliveryFixture({ agreementId: 'forever' });
    await store.create(d);
    await store.recordOutcome(d, { status: 'delivered', attempt: attempt('delivered') });

    expect(await expiryOf(d.deliveryId)).toBeUndefined();
  });

  it('refuses a retention shorter than a day, the wait before it is sealed and a week', () => {
    const retention = Config.shape.retentionDays;
    expect(retention.safeParse(MIN_RETENTION_DAYS - 1).success).toBe(false);
    expect(retention.safeParse(MIN_RETENTION_DAYS).success).toBe(true);
    expect(retention.parse(undefined)).toBe(DEFAULT_RETENTION_DAYS);
  });
});
