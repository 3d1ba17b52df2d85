import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AgreementChange } from '#domain/agreement-change.ts';
import type { AgreementHistory } from '#ports/agreement-history.ts';

/** Change records beside the agreement item: `AGREEMENT#<id>` / `CHANGE#<at>#<changeId>`. */
export class DynamoAgreementHistory implements AgreementHistory {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  async record(change: AgreementChange): Promise<void> {
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: {
          pk: `AGREEMENT#${change.agreementId}`,
          sk: `CHANGE#${change.at}#${change.changeId}`,
          entity: 'agreement-change',
          data: change,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async list(agreementId: string, limit: number): Promise<AgreementChange[]> {
    const out = await this.deps.client.send(
      new QueryCommand({
        TableName: this.deps.tableName,
        // The agreement's own item (sk META) sorts after CHANGE#…, so begins_with keeps it out.
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :change)',
        ExpressionAttributeValues: { ':pk': `AGREEMENT#${agreementId}`, ':change': 'CHANGE#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => i.data as AgreementChange);
  }
}
