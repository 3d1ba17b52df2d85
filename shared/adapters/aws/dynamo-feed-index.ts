import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { FeedIndex, FeedQuery, FeedRow } from '#ports/feed-index.ts';
import type { Table } from './dynamo-commands.ts';
import { toDelivery, updateExisting } from './dynamo-delivery-item.ts';
import { INDEX, keys } from './table.ts';

/** A feed delivery: only those are on the feed index. */
const ON_FEED = `attribute_exists(${INDEX.feed.pk})`;

/** A feed delivery not yet withdrawn: it moves to the withdrawal's position only once. */
const ON_FEED_NOT_WITHDRAWN = `${ON_FEED} AND attribute_not_exists(withdrawnAt)`;

/** A feed delivery not yet replaced by `:version` or a newer one: never back to an older replacement. */
const ON_FEED_NOT_SUPERSEDED = `${ON_FEED} AND (attribute_not_exists(supersededBy) OR supersededBy < :version)`;

/** Feed-channel deliveries on gsi5 by feed position (see domain/feed.ts); the items are the deliveries'. */
export class DynamoFeedIndex implements FeedIndex {
  constructor(private readonly table: Table) {}

  async list(agreementId: string, query: FeedQuery): Promise<FeedRow[]> {
    const { after, upTo, limit } = query;
    // A cursor at or past the visibility bound (clocks differ by more than the settle time): nothing yet.
    if (after && after >= upTo) return [];
    // BETWEEN is inclusive, so a page after a cursor reads one more row and drops the cursor's own.
    const range = after ? '#sk BETWEEN :after AND :upTo' : '#sk <= :upTo';
    const out = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: INDEX.feed.name,
        KeyConditionExpression: `#pk = :pk AND ${range}`,
        ExpressionAttributeNames: { '#pk': INDEX.feed.pk, '#sk': INDEX.feed.sk },
        ExpressionAttributeValues: {
          ':pk': keys.feedOf(agreementId),
          ':upTo': upTo,
          ...(after && { ':after': after }),
        },
        ScanIndexForward: Boolean(after),
        Limit: after ? limit + 1 : limit,
      }),
    );
    return (out.Items ?? [])
      .map((item) => ({ position: String(item[INDEX.feed.sk]), delivery: toDelivery(item) }))
      .filter((row) => row.position !== after)
      .slice(0, limit);
  }

  withdraw(
    deliveryId: string,
    write: { withdrawnAt: string; reason?: string; position: string },
  ): Promise<boolean> {
    const reason = write.reason ? ', withdrawReason = :reason' : '';
    return updateExisting(this.table, deliveryId, {
      expression: `SET withdrawnAt = :withdrawnAt${reason}, ${INDEX.feed.sk} = :position`,
      values: {
        ':withdrawnAt': write.withdrawnAt,
        ':position': write.position,
        ...(write.reason && { ':reason': write.reason }),
      },
      condition: ON_FEED_NOT_WITHDRAWN,
    });
  }

  supersede(deliveryId: string, version: number): Promise<boolean> {
    return updateExisting(this.table, deliveryId, {
      expression: 'SET supersededBy = :version',
      values: { ':version': version },
      condition: ON_FEED_NOT_SUPERSEDED,
    });
  }
}
