import type { PackageReady } from '#schemas/events.ts';

/** Routing's decision for one agreement, kept so operators can ask why an article did or did not go somewhere. */
export interface RoutingRecord {
  articleId: string;
  version: number;
  at: string;
  decisions: {
    agreementId: string;
    covered: boolean;
    reason: string;
    matchedTopics: string[];
    /**
     * The channels routing created this version's deliveries on (covered agreements; absent on records
     * before 2026-12-06, whose deliveries the article index carries). A delivery's id derives from
     * agreement, channel, article and version, so these name every delivery the record made.
     */
    channels?: string[];
  }[];
  /** The PackageReady routing acted on (kept so a backfill can route it again); absent on older records. */
  ready?: PackageReady;
}

/** A page of routing records, newest first. */
export interface RoutingPage {
  items: RoutingRecord[];
  cursor?: string;
}

/** Routing's decisions, one record per article version. */
export interface RoutingLog {
  /**
   * Stores routing's decisions for an article version (one write per article, not per delivery; a store
   * may split thousands of decisions over several items and reassemble them on read), marked as not
   * through yet (`failedAt` = its time) until markThrough: a run killed outright (a Lambda timeout)
   * leaves the mark, so the retry enqueues what it created.
   */
  record(record: RoutingRecord): Promise<void>;
  /** Clears the mark: every delivery the run created is enqueued. */
  markThrough(articleId: string, version: number): Promise<void>;
  /**
   * Marks the version's record as routed part way: its route failed after recording the decisions, so
   * the bus's retry enqueues the deliveries that run created (see routePackage). The next `record` of
   * the version clears the mark.
   */
  markFailed(articleId: string, version: number, at: string): Promise<void>;
  /**
   * Whether the version was recorded before (strongly consistent), and its mark: undefined when it never
   * was, `{failedAt}` when its route was recorded and is not through (record, markFailed; markThrough
   * clears it), `{}` when it went through (a repeated event).
   */
  routedBefore(articleId: string, version: number): Promise<{ failedAt?: string } | undefined>;
  /** The version's record (strongly consistent), or undefined. */
  get(articleId: string, version: number): Promise<RoutingRecord | undefined>;
  /** Every routed version of an article, newest first. */
  list(articleId: string): Promise<RoutingRecord[]>;
  /** Routing records made between `from` and `to` (ISO times, inclusive), newest first, one page. */
  listBetween(from: string, to: string, page: { limit: number; cursor?: string }): Promise<RoutingPage>;
}
