import type { ArticleWithdrawal } from '#domain/withdrawal.ts';

/** Articles' withdrawal markers (ContentWithdrawn), read before any send or route. */
export interface WithdrawalStore {
  /** Writes the article's withdrawal marker unless there is one; false when it was already withdrawn. */
  mark(withdrawal: ArticleWithdrawal): Promise<boolean>;
  /** The article's withdrawal marker, if ContentWithdrawn came for it (one GetItem). */
  get(articleId: string): Promise<ArticleWithdrawal | undefined>;
}
