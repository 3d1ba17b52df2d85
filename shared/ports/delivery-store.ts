import type { Attempt, Delivery, DeliveryStatus } from '#domain/delivery.ts';

export interface OutcomeWrite {
  status: DeliveryStatus;
  attempt: Attempt;
  nextAttemptAt?: string;
  lastError?: string;
}

export interface DeliveryPage {
  items: Delivery[];
  cursor?: string;
}

export interface ReplayAudit {
  replayId: string;
  requestedBy: string;
  requestedAt: string;
  filter: Record<string, unknown>;
  count: number;
  deliveryIds: string[];
}

/** Routing's decision for one agreement, kept so operators can ask why an article did or did not go somewhere. */
export interface RoutingRecord {
  articleId: string;
  version: number;
  at: string;
  decisions: { agreementId: string; covered: boolean; reason: string; matchedTopics: string[] }[];
}

/** Deliveries and their attempts. Every write is single-item and conditional. */
export interface DeliveryStore {
  /** Creates the delivery unless it exists; false when it already did (a repeated event). */
  create(delivery: Delivery): Promise<boolean>;
  get(deliveryId: string): Promise<Delivery | undefined>;
  /**
   * Records an attempt's outcome if the delivery is still attemptable and unchanged since `current`
   * was read; false when another worker (a duplicate message, a late retry) got there first.
   */
  recordOutcome(current: Delivery, write: OutcomeWrite): Promise<boolean>;
  /** Moves a terminal delivery back to pending for a replay; false when it is not terminal. */
  reopenForReplay(deliveryId: string, at: string): Promise<Delivery | undefined>;
  listByAgreement(
    agreementId: string,
    options: { status?: DeliveryStatus; limit: number; cursor?: string },
  ): Promise<DeliveryPage>;
  listByArticle(articleId: string): Promise<Delivery[]>;
  /** Deliveries a worker should be holding (pending/retrying), for recovery after a restart. */
  listUnfinished(limit: number): Promise<Delivery[]>;
  /** Stores routing's decisions for an article version (one write per article, not per delivery). */
  recordRouting(record: RoutingRecord): Promise<void>;
  getRouting(articleId: string, version: number): Promise<RoutingRecord | undefined>;
  recordReplay(audit: ReplayAudit): Promise<void>;
  listReplays(limit: number): Promise<ReplayAudit[]>;
}
