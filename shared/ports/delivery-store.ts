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

/** Deliveries and their attempts. Every write is single-item and conditional. */
export interface DeliveryStore {
  /** Creates the delivery unless it exists; false when it already did (a repeated event). */
  create(delivery: Delivery): Promise<boolean>;
  get(deliveryId: string): Promise<Delivery | undefined>;
  /**
   * Records an attempt's outcome if the delivery is still attemptable at `expectedAttemptCount`;
   * false when another worker (a duplicate message, a late retry) got there first.
   */
  recordOutcome(deliveryId: string, expectedAttemptCount: number, write: OutcomeWrite): Promise<boolean>;
  /** Moves a terminal delivery back to pending for a replay; false when it is not terminal. */
  reopenForReplay(deliveryId: string, at: string): Promise<Delivery | undefined>;
  listByAgreement(
    agreementId: string,
    options: { status?: DeliveryStatus; limit: number; cursor?: string },
  ): Promise<DeliveryPage>;
  listByArticle(articleId: string): Promise<Delivery[]>;
  /** Deliveries a worker should be holding (pending/retrying), for recovery after a restart. */
  listUnfinished(limit: number): Promise<Delivery[]>;
  recordReplay(audit: ReplayAudit): Promise<void>;
  listReplays(limit: number): Promise<ReplayAudit[]>;
}
