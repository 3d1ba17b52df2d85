/**
 * A fact: the small, permanent record of one delivery's outcome (or of one article version routing
 * did not send to an agreement) that reports read after delivery items are gone. Pure data.
 */
import type { DeliveryKind, DeliveryStatus } from './delivery.ts';

type ChannelKind = 'webhook' | 'feed' | 'broadcast' | 'social';

/** One delivery as a report sees it. */
export interface DeliveryFact {
  type: 'delivery';
  deliveryId: string;
  agreementId: string;
  articleId: string;
  version: number;
  kind: DeliveryKind;
  channelId: string;
  channelType: ChannelKind;
  language: string;
  /** The article's topics the agreement carries (routing's matched topics). */
  topics: string[];
  status: DeliveryStatus;
  /** When routing created the delivery: the fact's month. */
  routedAt: string;
  /** When the article version was approved (its packaging time, which follows approval within seconds). */
  approvedAt?: string;
  /** When it was delivered (the delivering attempt, or the feed's entry time). */
  deliveredAt?: string;
  attempts: number;
  /** Feed: the partner's first pull that returned it. */
  firstPulledAt?: string;
  /** Downloads of its assets through the signed asset link. */
  downloads: number;
}

/** An article version routing decided not to send to the agreement, and why. */
export interface NotSentFact {
  type: 'not-sent';
  agreementId: string;
  articleId: string;
  version: number;
  language: string;
  topics: string[];
  routedAt: string;
  reason: string;
}

export type Fact = DeliveryFact | NotSentFact;

/** `2024-03-17T…` → `2024-03`. */
export const monthOf = (iso: string): string => iso.slice(0, 7);

/** Every `yyyy-mm` from the month of `from` to the month of `to` (days, `yyyy-mm-dd`), in order. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const end = to.slice(0, 7);
  for (;;) {
    const month = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    if (month > end) return months;
    months.push(month);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
}

/** The later of two ISO days (or times). */
export function laterDay(a: string, b: string): string {
  if (a < b) return b;
  return a;
}

/** The earlier of two ISO days (or times). */
export function earlierDay(a: string, b: string): string {
  if (a < b) return a;
  return b;
}

/** A month is closed this long after its last day: late retries, pulls and downloads settle first. */
export const SEAL_AFTER_DAYS = 35;

/**
 * The shortest retention of finished deliveries in the table (TTL): a month's longest (31 days), the
 * wait before it is sealed, and two weeks more for a sealer that failed to be mended and catch up. A
 * report reads the sealed facts of a closed month, so nothing it needs expires before it is sealed.
 */
export const MIN_RETENTION_DAYS = 31 + SEAL_AFTER_DAYS + 14;
/**
 * Default retention of finished deliveries: about three months, a quarter to replay and look back in,
 * and at least three weeks past the day their month is sealed (MIN_RETENTION_DAYS has two).
 */
export const DEFAULT_RETENTION_DAYS = 90;
