import type { Attempt, Delivery, DeliveryStatus } from '#domain/delivery.ts';
import type { ArticleWithdrawal } from '#domain/withdrawal.ts';
import type { PackageReady } from '#schemas/events.ts';

export interface OutcomeWrite {
  status: DeliveryStatus;
  attempt: Attempt;
  nextAttemptAt?: string;
  lastError?: string;
  /** What the channel called what it created (see Delivery.remoteId); written with a delivered outcome. */
  remoteId?: string;
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
  /**
   * `one` delivery, a `replay` by filter, a `backfill` to a new agreement, or the `catch-up` of a resumed channel (all run as jobs, of
   * the same kind names). Records written before the rename say `bulk`; the store reads them as `replay`.
   */
  kind?: 'one' | 'replay' | 'backfill' | 'catch-up';
}

/** The `channel` filter value that means every pushed kind (webhook, broadcast, social): feeds are pulled. */
export const PUSHED_CHANNELS = 'pushed';

/** What operators filter deliveries by; times bound `updatedAt` (when it last changed), both ends included. */
export interface DeliveryFilter {
  status?: DeliveryStatus;
  /** A channel id (`webhook-2`), a channel kind (`webhook`, `feed`), or `pushed` (every kind but feed). */
  channel?: string;
  articleId?: string;
  since?: string;
  until?: string;
}

/** A page of routing records, newest first. */
export interface RoutingPage {
  items: RoutingRecord[];
  cursor?: string;
}

/** Routing's decision for one agreement, kept so operators can ask why an article did or did not go somewhere. */
export interface RoutingRecord {
  articleId: string;
  version: number;
  at: string;
  decisions: { agreementId: string; covered: boolean; reason: string; matchedTopics: string[] }[];
  /** The PackageReady routing acted on (kept so a backfill can route it again); absent on older records. */
  ready?: PackageReady;
}

/** One row of a partner's feed: a feed-channel delivery and its position (see domain/feed.ts). */
export interface FeedRow {
  position: string;
  delivery: Delivery;
}

export interface FeedQuery {
  /** Only rows after this position (exclusive), read oldest first; otherwise the newest rows. */
  after?: string;
  /** Only rows at or before this position (the visibility bound). */
  upTo: string;
  limit: number;
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
  reopenForReplay(deliveryId: string, at: string, replayId?: string): Promise<Delivery | undefined>;
  listByAgreement(
    agreementId: string,
    options: { status?: DeliveryStatus; limit: number; cursor?: string; oldestFirst?: boolean },
  ): Promise<DeliveryPage>;
  /**
   * Moves a delivery still pending/retrying and unchanged since `current` was read to `held` (its
   * endpoint is paused), without an attempt; false when it moved meanwhile.
   */
  hold(current: Delivery, at: string): Promise<boolean>;
  /** Moves a held delivery back to pending (a resume, a probe); undefined when it is not held. */
  release(deliveryId: string, at: string): Promise<Delivery | undefined>;
  listByArticle(articleId: string): Promise<Delivery[]>;
  /** One page of an agreement's deliveries matching `filter`, newest first (by status: last changed first). */
  findByAgreement(
    agreementId: string,
    filter: DeliveryFilter,
    page: { limit: number; cursor?: string },
  ): Promise<DeliveryPage>;
  /** How many of an agreement's deliveries match `filter`. */
  countByAgreement(agreementId: string, filter: DeliveryFilter): Promise<number>;
  /** When each of an agreement's deliveries now in `status` got there, for those changed since `since`. */
  statusTimes(agreementId: string, status: DeliveryStatus, since: string): Promise<string[]>;
  /** One page of an agreement's feed rows, in position order (newest first without `after`). */
  listFeed(agreementId: string, query: FeedQuery): Promise<FeedRow[]>;
  /** Records the first pull that returned a feed item; false when one was already recorded. */
  recordFirstPull(deliveryId: string, at: string): Promise<boolean>;
  /** Counts a download of the delivery's assets; false when there is no such delivery. */
  recordDownload(deliveryId: string, at: string): Promise<boolean>;
  /**
   * Marks a feed delivery withdrawn and moves it to `position` (the withdrawal's), so feed readers
   * meet its tombstone; false when it is not a feed delivery or was already withdrawn.
   */
  withdrawFromFeed(
    deliveryId: string,
    write: { withdrawnAt: string; reason?: string; position: string },
  ): Promise<boolean>;
  /**
   * Marks an older version's feed delivery as replaced by `version` (the feed shows one entry per
   * article, its latest version); false when it is not a feed delivery or a newer one already did.
   */
  supersedeInFeed(deliveryId: string, version: number): Promise<boolean>;
  /** Writes the article's withdrawal marker unless there is one; false when it was already withdrawn. */
  markWithdrawn(withdrawal: ArticleWithdrawal): Promise<boolean>;
  /** The article's withdrawal marker, if ContentWithdrawn came for it (one GetItem). */
  getWithdrawal(articleId: string): Promise<ArticleWithdrawal | undefined>;
  /**
   * Ends a delivery that was never sent (still pending/retrying and unchanged since `current` was read)
   * as discarded, without an attempt; false when it moved meanwhile.
   */
  discardUnsent(current: Delivery, at: string, why: string): Promise<boolean>;
  /** Deliveries a worker should be holding (pending/retrying), for recovery after a restart. */
  listUnfinished(limit: number): Promise<Delivery[]>;
  /** Stores routing's decisions for an article version (one write per article, not per delivery). */
  recordRouting(record: RoutingRecord): Promise<void>;
  getRouting(articleId: string, version: number): Promise<RoutingRecord | undefined>;
  /** Every routed version of an article, newest first. */
  listRouting(articleId: string): Promise<RoutingRecord[]>;
  /** Routing records made between `from` and `to` (ISO times, inclusive), newest first, one page. */
  listRoutedBetween(from: string, to: string, page: { limit: number; cursor?: string }): Promise<RoutingPage>;
  recordReplay(audit: ReplayAudit): Promise<void>;
  listReplays(limit: number): Promise<ReplayAudit[]>;
}
