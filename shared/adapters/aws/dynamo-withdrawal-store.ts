import type { ArticleWithdrawal } from '#domain/withdrawal.ts';
import type { WithdrawalStore } from '#ports/withdrawal-store.ts';
import { getItem, putIfAbsent, type Table } from './dynamo-commands.ts';
import { keys } from './table.ts';

/** Withdrawal markers beside their article: `ARTICLE#<id>` / `WITHDRAWN`, written once. */
export class DynamoWithdrawalStore implements WithdrawalStore {
  constructor(private readonly table: Table) {}

  mark(w: ArticleWithdrawal): Promise<boolean> {
    // The first ContentWithdrawn wins; a repeated one keeps the original time and reason.
    return putIfAbsent(this.table, { ...keys.withdrawal(w.articleId), entity: 'withdrawal', ...w });
  }

  async get(articleId: string): Promise<ArticleWithdrawal | undefined> {
    const item = await getItem(this.table, keys.withdrawal(articleId), true);
    if (!item) return undefined;
    const { withdrawnAt, reason, at } = item as Record<string, string | undefined>;
    return { articleId, withdrawnAt: withdrawnAt ?? '', at: at ?? '', ...(reason && { reason }) };
  }
}
