import { type Attempt, type Delivery, type DeliveryStatus, MAX_ATTEMPTS_KEPT } from '#domain/delivery.ts';

export interface OutcomeWrite {
  status: DeliveryStatus;
  attempt: Attempt;
  nextAttemptAt?: string;
  lastError?: string;
  /** What the channel called what it created (see Delivery.remoteId); written with a delivered outcome. */
  remoteId?: string;
  /** Retrying after the first failure: when the attempts that follow are over at the latest (Delivery.retriesEndBy). */
  retriesEndBy?: string;
}

/** A delivery as an attempt's outcome leaves it (what recordOutcome's update writes). */
export function afterOutcome(current: Delivery, write: OutcomeWrite): Delivery {
  const { nextAttemptAt: _next, retriesEndBy: _end, lastError: _error, ...rest } = current;
  return {
    ...rest,
    status: write.status,
    attemptCount: current.attemptCount + 1,
    attempts: [...(current.attempts ?? []), write.attempt].slice(-MAX_ATTEMPTS_KEPT),
    updatedAt: write.attempt.at,
    ...(write.nextAttemptAt && { nextAttemptAt: write.nextAttemptAt }),
    ...(write.retriesEndBy && { retriesEndBy: write.retriesEndBy }),
    ...(write.lastError && { lastError: write.lastError }),
    ...(write.remoteId && { remoteId: write.remoteId }),
  };
}

export interface CreateOptions {
  /**
   * Routing made it on a channel its routing record names (the decision's `channels`): readers find it
   * through that record, so the article index need not carry it (a write unit less per delivery).
   */
  namedByRouting?: boolean;
}

export interface ListOptions {
  status?: DeliveryStatus;
  limit: number;
  cursor?: string;
  oldestFirst?: boolean;
  createdFrom?: string;
  createdTo?: string;
}

export interface DeliveryPage {
  items: Delivery[];
  cursor?: string;
}

/**
 * Deliveries and their attempts, and the reads workers need (by agreement, article, unfinished).
 * Every write is single-item and conditional.
 */
export interface DeliveryStore {
  /** Creates the delivery unless it exists; false when it already did (a repeated event). */
  create(delivery: Delivery, options?: CreateOptions): Promise<boolean>;
  /** One delivery as it is now (strongly consistent), or undefined. */
  get(deliveryId: string): Promise<Delivery | undefined>;
  /**
   * Several deliveries, each as get() would read it (strongly consistent), in fewer requests; the
   * ones that do not exist are absent from the map.
   */
  getMany(deliveryIds: readonly string[]): Promise<Map<string, Delivery>>;
  /**
   * Records an attempt's outcome if the delivery is still attemptable and unchanged since `current`
   * was read; false when another worker (a duplicate message, a late retry) got there first.
   */
  recordOutcome(current: Delivery, write: OutcomeWrite): Promise<boolean>;
  /** Moves a terminal delivery back to pending for a replay; false when it is not terminal. */
  reopenForReplay(deliveryId: string, at: string, replayId?: string): Promise<Delivery | undefined>;
  /**
   * Moves a delivery still pending/retrying and unchanged since `current` was read to `held` (its
   * endpoint is paused), without an attempt; false when it moved meanwhile.
   */
  hold(current: Delivery, at: string): Promise<boolean>;
  /**
   * An attemptable delivery that waits without an attempt (an embargo it may not go before): its next
   * attempt is `until`, and it is on its agreement's lists from now (an operator sees it waiting).
   * Conditional like an outcome; false when it moved.
   */
  waitUntil(current: Delivery, until: string, at: string): Promise<boolean>;
  /** Moves a held delivery back to pending (a resume, a probe); undefined when it is not held. */
  release(deliveryId: string, at: string): Promise<Delivery | undefined>;
  /**
   * Ends a delivery that was never sent (still pending/retrying and unchanged since `current` was read)
   * as discarded, without an attempt; false when it moved meanwhile.
   */
  discardUnsent(current: Delivery, at: string, why: string): Promise<boolean>;
  /** Records the first pull that returned a feed item; false when one was already recorded. */
  recordFirstPull(deliveryId: string, at: string): Promise<boolean>;
  /** Counts a download of the delivery's assets; false when there is no such delivery. */
  recordDownload(deliveryId: string, at: string): Promise<boolean>;
  /**
   * One page of an agreement's deliveries, newest first (or oldest first), all or in one status, or
   * only those created within `[createdFrom, createdTo]` (ISO instants, both included: a read of a
   * few days reads those days, not everything since).
   */
  listByAgreement(agreementId: string, options: ListOptions): Promise<DeliveryPage>;
  /** Everywhere an article went: its deliveries, every version and agreement. */
  listByArticle(articleId: string): Promise<Delivery[]>;
  /**
   * The article's feed deliveries tombstoned before withdrawal markers existed (the only trace of such a
   * withdrawal). They were all written before the article index was sharded, so one Query finds them.
   */
  listTombstonedBeforeMarkers(articleId: string): Promise<Delivery[]>;
  /** The article's deliveries (every version, publishes and takedowns) on one agreement × channel. */
  listOnChannel(articleId: string, agreementId: string, channelId: string): Promise<Delivery[]>;
  /** Deliveries a worker should be holding (pending/retrying), for recovery after a restart. */
  listUnfinished(limit: number, agreementIds: readonly string[]): Promise<Delivery[]>;
}
