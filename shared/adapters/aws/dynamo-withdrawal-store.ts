import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ArticleWithdrawal } from '#domain/withdrawal.ts';
import type { WithdrawalStore } from '#ports/withdrawal-store.ts';
import { conditionalWrite, ITEM_ABSENT, type Table } from './dynamo-commands.ts';
import { keys } from './table.ts';

/** Withdrawal markers beside their article: `ARTICLE#<id>` / `WITHDRAWN`, written once. */
export class DynamoWithdrawalStore implements WithdrawalStore {
  constructor(private readonly table: Table) {}

  mark(w: ArticleWithdrawal): Promise<boolean> {
    // The first ContentWithdrawn wins; a repeated one keeps the original time and reason.
    return conditionalWrite(() =>
      this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: { ...keys.withdrawal(w.articleId), entity: 'withdrawal', ...w },
          ConditionExpression: ITEM_ABSENT,
        }),
      ),
    );
  }

  async get(articleId: string): Promise<ArticleWithdrawal | undefined> {
    const out = await this.table.client.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.withdrawal(articleId),
        ConsistentRead: true,
      }),
    );
    if (!out.Item) return undefined;
    const { withdrawnAt, reason, at } = out.Item as Record<string, string | undefined>;
    return { articleId, withdrawnAt: withdrawnAt ?? '', at: at ?? '', ...(reason && { reason }) };
  }
}
