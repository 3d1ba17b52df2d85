import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '#domain/errors.ts';
import type { AgreementStore } from '#ports/agreement-store.ts';
import { Agreement } from '#schemas/agreement.ts';
import {
  conditionalWrite,
  getItem,
  ITEM_ABSENT,
  ITEM_EXISTS,
  type PutCondition,
  partitionOf,
  queryAll,
  type Table,
} from './dynamo-commands.ts';
import { INDEX, keys } from './table.ts';

const STATUSES = ['active', 'suspended', 'expired'] as const;

/** Optimistic lock: the item must still be the version the caller read (and still be there). */
const UNCHANGED_SINCE_READ = `${ITEM_EXISTS} AND #data.#updatedAt = :expected`;

/** Agreements as single items, indexed by status on gsi1. */
export class DynamoAgreementStore implements AgreementStore {
  constructor(private readonly table: Table) {}

  create(agreement: Agreement): Promise<void> {
    return this.put(agreement, `agreement ${agreement.agreementId} already exists`, {
      ConditionExpression: ITEM_ABSENT,
    });
  }

  update(agreement: Agreement, expectedUpdatedAt: string): Promise<void> {
    return this.put(agreement, `agreement ${agreement.agreementId} changed since it was read, or is gone`, {
      ConditionExpression: UNCHANGED_SINCE_READ,
      ExpressionAttributeNames: { '#data': 'data', '#updatedAt': 'updatedAt' },
      ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
    });
  }

  /** Writes the whole agreement item under `condition`; a refused condition becomes a ConflictError. */
  private async put(agreement: Agreement, conflict: string, condition: PutCondition): Promise<void> {
    const written = await conditionalWrite(() =>
      this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: {
            ...keys.agreement(agreement.agreementId),
            [INDEX.byParent.pk]: keys.agreementsWithStatus(agreement.status),
            [INDEX.byParent.sk]: agreement.agreementId,
            entity: 'agreement',
            data: agreement,
          },
          ...condition,
        }),
      ),
    );
    if (!written) throw new ConflictError(conflict);
  }

  async get(agreementId: string): Promise<Agreement | undefined> {
    const item = await getItem(this.table, keys.agreement(agreementId));
    return item ? Agreement.parse(item.data) : undefined;
  }

  listActive(): Promise<Agreement[]> {
    return this.listWithStatus('active');
  }

  async list(): Promise<Agreement[]> {
    const all = await Promise.all(STATUSES.map((s) => this.listWithStatus(s)));
    return all.flat().sort((a, b) => a.agreementId.localeCompare(b.agreementId));
  }

  private listWithStatus(status: string): Promise<Agreement[]> {
    const withStatus = partitionOf(INDEX.byParent, keys.agreementsWithStatus(status));
    return queryAll(this.table, withStatus, (item) => Agreement.parse(item.data));
  }
}
