import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AgreementChange } from '#domain/agreement-change.ts';
import { ConflictError } from '#domain/errors.ts';
import type { AgreementHistory } from '#ports/agreement-history.ts';
import { putIfAbsent, type Table } from './dynamo-commands.ts';

/** Change records beside the agreement item: `AGREEMENT#<id>` / `CHANGE#<at>#<changeId>`. */
export class DynamoAgreementHistory implements AgreementHistory {
  constructor(private readonly table: Table) {}

  async record(change: AgreementChange): Promise<void> {
    const item = {
      pk: `AGREEMENT#${change.agreementId}`,
      sk: `CHANGE#${change.at}#${change.changeId}`,
      entity: 'agreement-change',
      data: change,
    };
    // A change is written once: the same change recorded again is a conflict, not an overwrite.
    if (!(await putIfAbsent(this.table, item)))
      throw new ConflictError(`agreement change ${change.changeId} is already recorded`);
  }

  async list(agreementId: string, limit: number): Promise<AgreementChange[]> {
    const out = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
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
