import type { Delivery } from '#domain/delivery.ts';

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

/** Feed-channel deliveries in feed position order: what a partner's feed reads, and the marks on its rows. */
export interface FeedIndex {
  /** One page of an agreement's feed rows, in position order (newest first without `after`). */
  list(agreementId: string, query: FeedQuery): Promise<FeedRow[]>;
  /**
   * Marks a feed delivery withdrawn and moves it to `position` (the withdrawal's), so feed readers
   * meet its tombstone; false when it is not a feed delivery or was already withdrawn.
   */
  withdraw(
    deliveryId: string,
    write: { withdrawnAt: string; reason?: string; position: string },
  ): Promise<boolean>;
  /**
   * Marks an older version's feed delivery as replaced by `version` (the feed shows one entry per
   * article, its latest version); false when it is not a feed delivery or a newer one already did.
   */
  supersede(deliveryId: string, version: number): Promise<boolean>;
}
