/** Delivery items as Loa wrote them before data model 2, for the migration's tests. */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { deliveryItem } from '#adapters/aws/dynamo-delivery-item.ts';
import { INDEX, keys } from '#adapters/aws/table.ts';
import type { Delivery } from '#domain/delivery.ts';

/** Writes `d` as before data model 2: on gsi1 from its creation, under a per-status key, unfinished on gsi4. */
export async function putBeforeModel2(table: Table, d: Delivery): Promise<void> {
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

/** The gsi2 (open list, or per-status before model 2) and gsi4 (unfinished) keys a delivery item carries. */
export async function indexKeysOf(table: Table, deliveryId: string) {
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.tableName, Key: keys.delivery(deliveryId) }),
  );
  return { open: Item?.[INDEX.byStatus.pk], unfinished: Item?.[INDEX.unfinished.pk] };
}
