/**
 * Data model 2 (docs/data-model.md, "Data model 2"): a delivery is on its agreement's open list
 * (gsi2 `AGREEMENT#<id>#OPEN`) while not through, and no longer on the unfinished index (gsi4) or
 * under a per-status key (`…#STATUS#<status>`). Items written before are brought to it one by one:
 * each status change does it anyway (listIndexes, listRemovals); this does it for all at once, so the
 * open lists, the status lists and the sweeper see every delivery. Idempotent: a migrated item has
 * neither old key and is not read again. Retention (TTL) is not set here: a delivery finished before
 * may belong to a month not sealed yet. On AWS, `loa migrate model-2` runs it (infra/cli/commands/migrate.ts).
 */
import { DescribeTableCommand, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Table } from './dynamo-commands.ts';
import { listIndexes, listRemovals, setAndRemove, toDelivery } from './dynamo-delivery-item.ts';
import { INDEX, TTL_ATTRIBUTE } from './table.ts';

/** A delivery item still keyed as before data model 2. */
const BEFORE_MODEL_2 =
  '#entity = :delivery AND (attribute_exists(#unfinished) OR contains(#byStatus, :perStatus))';

export interface MigrationReport {
  /** Items the scan read, of every kind. */
  scanned: number;
  /** Deliveries found still keyed as before data model 2. */
  examined: number;
  /** Of those, the ones rewritten (with `dryRun`: the ones that would be). */
  migrated: number;
}

/** Why a table cannot be migrated: it is not there, or it is not Loa's (no gsi2). */
export class MigrationTargetError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationTargetError';
  }
}

/** Refuses, naming what is wrong, a table that does not exist or has no gsi2 index to migrate onto. */
export async function checkMigrationTarget(table: Table): Promise<void> {
  let indexes: string[];
  try {
    const out = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    indexes = (out.Table?.GlobalSecondaryIndexes ?? []).flatMap((i) => i.IndexName ?? []);
  } catch (error) {
    if (error instanceof ResourceNotFoundException)
      throw new MigrationTargetError(`table ${table.tableName} does not exist (in this account and region)`, {
        cause: error,
      });
    throw error;
  }
  if (!indexes.includes(INDEX.byStatus.name))
    throw new MigrationTargetError(
      `table ${table.tableName} has no ${INDEX.byStatus.name} index (its indexes: ${indexes.join(', ') || 'none'}): not Loa's table, or not deployed from this version`,
    );
}

/** Moves every delivery written before data model 2 onto the open lists; with `dryRun`, only counts them. */
export async function migrateDeliveriesToModel2(
  table: Table,
  opts: { dryRun?: boolean } = {},
): Promise<MigrationReport> {
  const report: MigrationReport = { scanned: 0, examined: 0, migrated: 0 };
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
    report.scanned += out.ScannedCount ?? 0;
    for (const item of out.Items ?? []) {
      report.examined++;
      if (opts.dryRun || (await migrateOne(table, item))) report.migrated++;
    }
    start = out.LastEvaluatedKey;
  } while (start);
  return report;
}

/** Rewrites one delivery item's index keys as data model 2 has them; false when its status moved meanwhile. */
function migrateOne(table: Table, item: Record<string, unknown>): Promise<boolean> {
  const d = toDelivery(item);
  // Only as read: a delivery whose status moved meanwhile was brought to model 2 by that write.
  return setAndRemove(
    table,
    d.deliveryId,
    listIndexes(d, d.status),
    listRemovals(d.status).filter((a) => a !== TTL_ATTRIBUTE),
    { condition: '#status = :status', values: { ':status': d.status } },
  );
}
