import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Rejection, RejectionStore } from '#ports/rejection-store.ts';
import { keys, TTL_ATTRIBUTE } from './table.ts';

/** Rejections are kept 90 days, then DynamoDB's TTL removes them. */
const RETENTION_SECONDS = 90 * 24 * 3600;

/** Refused bus events, newest first, where operators can read them. */
export class DynamoRejectionStore implements RejectionStore {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  async record(r: Rejection): Promise<void> {
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: {
          pk: keys.rejections,
          sk: `${r.at}#${r.rejectionId}`,
          entity: 'rejection',
          ...r,
          [TTL_ATTRIBUTE]: Math.floor(Date.parse(r.at) / 1000) + RETENTION_SECONDS,
        },
      }),
    );
  }

  async list(limit: number): Promise<Rejection[]> {
    const out = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.rejections },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(
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
