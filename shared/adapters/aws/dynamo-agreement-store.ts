import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#domain/errors.ts';
import type { AgreementStore } from '#ports/agreement-store.ts';
import { Agreement } from '#schemas/agreement.ts';
import { isConditionFailure } from './dynamo-errors.ts';
import { INDEX, keys } from './table.ts';

const STATUSES = ['active', 'suspended', 'expired'] as const;

/** Agreements as single items, indexed by status on gsi1. */
export class DynamoAgreementStore implements AgreementStore {
  constructor(private readonly deps: { client: DynamoDBDocumentClient; tableName: string }) {}

  create(agreement: Agreement): Promise<void> {
    return this.put(agreement, `agreement ${agreement.agreementId} already exists`, {
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  }

  update(agreement: Agreement, expectedUpdatedAt: string): Promise<void> {
    return this.put(agreement, `agreement ${agreement.agreementId} changed since it was read, or is gone`, {
      // Optimistic lock: the item must still be the version the caller read.
      ConditionExpression: 'attribute_exists(pk) AND #data.#updatedAt = :expected',
      ExpressionAttributeNames: { '#data': 'data', '#updatedAt': 'updatedAt' },
      ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
    });
  }

  /** Writes the whole agreement item under `condition`; a refused condition becomes a ConflictError. */
  private async put(
    agreement: Agreement,
    conflict: string,
    condition: Pick<
      PutCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<void> {
    try {
      await this.deps.client.send(
        new PutCommand({
          TableName: this.deps.tableName,
          Item: {
            ...keys.agreement(agreement.agreementId),
            [INDEX.byParent.pk]: keys.agreementsWithStatus(agreement.status),
            [INDEX.byParent.sk]: agreement.agreementId,
            entity: 'agreement',
            data: agreement,
          },
          ...condition,
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new ConflictError(conflict);
      throw error;
    }
  }

  async get(agreementId: string): Promise<Agreement | undefined> {
    const out = await this.deps.client.send(
      new GetCommand({ TableName: this.deps.tableName, Key: keys.agreement(agreementId) }),
    );
    return out.Item ? Agreement.parse(out.Item.data) : undefined;
  }

  listActive(): Promise<Agreement[]> {
    return this.listWithStatus('active');
  }

  async list(): Promise<Agreement[]> {
    const all = await Promise.all(STATUSES.map((s) => this.listWithStatus(s)));
    return all.flat().sort((a, b) => a.agreementId.localeCompare(b.agreementId));
  }

  private async listWithStatus(status: string): Promise<Agreement[]> {
    const items: Agreement[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.deps.client.send(
        new QueryCommand({
          TableName: this.deps.tableName,
          IndexName: INDEX.byParent.name,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': INDEX.byParent.pk },
          ExpressionAttributeValues: { ':pk': keys.agreementsWithStatus(status) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) items.push(Agreement.parse(item.data));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}
