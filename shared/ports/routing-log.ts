import type { Delivery } from '#domain/delivery.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import type { ChannelType } from '#schemas/agreement.ts';
import type { PackageReady } from '#schemas/events.ts';
import { fromRouted, isPushed } from './work-queue.ts';

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
    /**
     * The type of each of `channels`, in the same order, and the agreement's partner (records from
     * 2026-12-06 on): what a delivery routing sent without writing its item (Delivery.unstored) is read
     * back from, while its first write is still to come.
     */
    channelTypes?: ChannelType[];
    partnerId?: string;
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

/**
 * The pushed deliveries a routing record names, each as routing sent it (pending, never attempted,
 * Delivery.unstored), for a reader that finds no item under one of their ids: a delivery routing sent
 * unstored is on the record and its queue message only until its first write. Records before
 * 2026-12-06 (no channel types or partner) and records without their PackageReady name none.
 */
export function routedDeliveries(record: RoutingRecord): Delivery[] {
  const ready = record.ready;
  if (!ready) return [];
  return record.decisions.flatMap((decision) => {
    const { channels, channelTypes, partnerId } = decision;
    if (!channels || !channelTypes || !partnerId) return [];
    return channels.flatMap((channelId, i) => {
      const channelType = channelTypes[i];
      if (!channelType || !isPushed(channelType)) return [];
      const id = deliveryIdFor(decision.agreementId, channelId, record.articleId, record.version);
      return [
        fromRouted(id, {
          agreementId: decision.agreementId,
          partnerId,
          channelId,
          channelType,
          articleId: record.articleId,
          version: record.version,
          title: ready.title,
          manifest: ready.manifest,
          createdAt: record.at,
          reason: decision.reason,
          // As routing kept it: an embargo that ended before routing is not the delivery's.
          ...(ready.embargoUntil &&
            Date.parse(ready.embargoUntil) > Date.parse(record.at) && { embargoUntil: ready.embargoUntil }),
        }),
      ];
    });
  });
}
