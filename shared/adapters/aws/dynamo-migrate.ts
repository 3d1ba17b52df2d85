/**
 * Data model 2 (docs/data-model.md, "Data model 2"): a delivery is on its agreement's open list
 * (gsi2 `AGREEMENT#<id>#OPEN`) while not through, and no longer on the unfinished index (gsi4) or
 * under a per-status key (`…#STATUS#<status>`). Items written before are brought to it one by one:
 * each status change does it anyway (listIndexes, listRemovals); this does it for all at once, so the
 * open lists, the status lists and the sweeper see every delivery. Idempotent: a migrated item has
 * neither old key and is not read again. Retention (TTL) is not set here: a delivery finished before
 * may belong to a month not sealed yet.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Table } from './dynamo-commands.ts';
import { listIndexes, listRemovals, setAndRemove, toDelivery } from './dynamo-delivery-item.ts';
import { INDEX, TTL_ATTRIBUTE } from './table.ts';

/** A delivery item still keyed as before data model 2. */
const BEFORE_MODEL_2 =
  '#entity = :delivery AND (attribute_exists(#unfinished) OR contains(#byStatus, :perStatus))';

export async function migrateDeliveriesToModel2(
  table: Table,
): Promise<{ examined: number; migrated: number }> {
  let examined = 0;
  let migrated = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await table.client.send(
      new ScanCommand({
        TableName: table.tableName,
        FilterExpression: BEFORE_MODEL_2,
        ExpressionAttributeNames: {
          '#entity': 'entity',
          '#unfinished': INDEX.unfinished.pk,
          '#byStatus': INDEX.byStatus.pk,
        },
        ExpressionAttributeValues: { ':delivery': 'delivery', ':perStatus': '#STATUS#' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) {
      examined++;
      const d = toDelivery(item);
      // Only as read: a delivery whose status moved meanwhile was brought to model 2 by that write.
      const done = await setAndRemove(
        table,
        d.deliveryId,
        listIndexes(d, d.status),
        listRemovals(d.status).filter((a) => a !== TTL_ATTRIBUTE),
        { condition: '#status = :status', values: { ':status': d.status } },
      );
      if (done) migrated++;
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return { examined, migrated };
}
