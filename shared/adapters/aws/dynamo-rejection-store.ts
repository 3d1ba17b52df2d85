import type { Rejection, RejectionStore } from '#ports/rejection-store.ts';
import { newestFirst, putItem, type Table } from './dynamo-commands.ts';
import { keys, TTL_ATTRIBUTE } from './table.ts';

/** Rejections are kept 90 days, then DynamoDB's TTL removes them. */
const RETENTION_SECONDS = 90 * 24 * 3600;

/** Refused bus events, newest first, where operators can read them. */
export class DynamoRejectionStore implements RejectionStore {
  constructor(private readonly table: Table) {}

  async record(r: Rejection): Promise<void> {
    await putItem(this.table, {
      pk: keys.rejections,
      sk: `${r.at}#${r.rejectionId}`,
      entity: 'rejection',
      ...r,
      [TTL_ATTRIBUTE]: Math.floor(Date.parse(r.at) / 1000) + RETENTION_SECONDS,
    });
  }

  async list(limit: number): Promise<Rejection[]> {
    return (await newestFirst(this.table, keys.rejections, limit)).map(
      ({ rejectionId, at, handler, eventId, source, detailType, problems, detail }) => ({
        rejectionId,
        at,
        handler,
        eventId,
        source,
        detailType,
        problems,
        detail,
      }),
    ) as Rejection[];
  }
}
