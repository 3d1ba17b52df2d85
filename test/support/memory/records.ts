/** Withdrawal markers, routing records and replay audits in memory, written as the Dynamo stores write them. */
import type { ArticleWithdrawal } from '#domain/withdrawal.ts';
import type { ReplayAudit, ReplayLog } from '#ports/replay-log.ts';
import type { RoutingLog, RoutingPage, RoutingRecord } from '#ports/routing-log.ts';
import type { WithdrawalStore } from '#ports/withdrawal-store.ts';

/** Markers by article; the first one wins. */
export class MemoryWithdrawalStore implements WithdrawalStore {
  readonly items = new Map<string, ArticleWithdrawal>();

  async mark(w: ArticleWithdrawal): Promise<boolean> {
    if (this.items.has(w.articleId)) return false;
    this.items.set(w.articleId, structuredClone(w));
    return true;
  }

  async get(articleId: string): Promise<ArticleWithdrawal | undefined> {
    return structuredClone(this.items.get(articleId));
  }
}

/** Routing records by article and version; a record written again replaces the first. */
export class MemoryRoutingLog implements RoutingLog {
  readonly items = new Map<string, RoutingRecord>();

  /** Versions whose route is not through (recorded, failed or killed part way), and since when. */
  readonly failures = new Map<string, string>();

  async record(record: RoutingRecord): Promise<void> {
    this.items.set(`${record.articleId}#${record.version}`, structuredClone(record));
    this.failures.set(`${record.articleId}#${record.version}`, record.at);
  }

  async markThrough(articleId: string, version: number): Promise<void> {
    this.failures.delete(`${articleId}#${version}`);
  }

  async markFailed(articleId: string, version: number, at: string): Promise<void> {
    if (this.items.has(`${articleId}#${version}`)) this.failures.set(`${articleId}#${version}`, at);
  }

  async routedBefore(articleId: string, version: number): Promise<{ failedAt?: string } | undefined> {
    if (!this.items.has(`${articleId}#${version}`)) return undefined;
    const failedAt = this.failures.get(`${articleId}#${version}`);
    return failedAt ? { failedAt } : {};
  }

  async get(articleId: string, version: number): Promise<RoutingRecord | undefined> {
    return structuredClone(this.items.get(`${articleId}#${version}`));
  }

  async list(articleId: string): Promise<RoutingRecord[]> {
    return this.all((r) => r.articleId === articleId).sort((a, b) => b.version - a.version);
  }

  async listBetween(
    from: string,
    to: string,
    page: { limit: number; cursor?: string },
  ): Promise<RoutingPage> {
    const [lo, hi] = [new Date(from).toISOString(), new Date(to).toISOString()];
    const all = this.all((r) => r.at >= lo && r.at <= hi).sort((a, b) => b.at.localeCompare(a.at));
    const start = Number(page.cursor ?? 0);
    const next = start + page.limit < all.length ? String(start + page.limit) : undefined;
    return { items: all.slice(start, start + page.limit), ...(next && { cursor: next }) };
  }

  private all(keep: (r: RoutingRecord) => boolean): RoutingRecord[] {
    return [...this.items.values()].filter(keep).map((r) => structuredClone(r));
  }
}

/** Replay audits, newest first. */
export class MemoryReplayLog implements ReplayLog {
  readonly items: ReplayAudit[] = [];

  async record(audit: ReplayAudit): Promise<void> {
    this.items.push(structuredClone(audit));
  }

  async list(limit: number): Promise<ReplayAudit[]> {
    return [...this.items].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt)).slice(0, limit);
  }
}
