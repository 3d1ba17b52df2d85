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
  /** When routing created the delivery: the fact's day (and month) in the ledger. */
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

/**
 * An article version routing decided not to send to the agreement, and why; or, for the bulk of them
 * (on none of the agreement's topics), a count of a day's in one language (`count`, no article): a
 * national agency routes thousands of articles a day past thousands of agreements, and a report only
 * counts these (notSent by reason).
 */
export interface NotSentFact {
  type: 'not-sent';
  agreementId: string;
  /** The article version; absent on a counted fact. */
  articleId?: string;
  version?: number;
  language: string;
  topics: string[];
  /** When it was routed; a counted fact: the first of the day's it counts. */
  routedAt: string;
  reason: string;
  /** Article versions this fact counts (absent: one). */
  count?: number;
}

/** Not-sent decisions counted per agreement, day and language instead of one fact each. */
export const COUNTED_NOT_SENT_REASONS: readonly string[] = ['excluded:topic'];

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

/** `2024-03-17T…` → `2024-03-17`. */
export const dayOf = (iso: string): string => iso.slice(0, 10);

/** The day (`yyyy-mm-dd`) after `day`. */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);
}

/** The day (`yyyy-mm-dd`) before `day`. */
export function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** Every day from `from` to `to` (`yyyy-mm-dd`, both included), in order. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = from; d <= to; d = nextDay(d)) days.push(d);
  return days;
}

/** The last day (`yyyy-mm-dd`) of a month (`yyyy-mm`). */
export function lastDayOfMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y ?? 0, m ?? 1, 0)).toISOString().slice(0, 10);
}

/**
 * A day (UTC) is sealed into the fact ledger once it ended this long ago: a webhook's retries end
 * within a day of its routing (DEFAULT_RETRY_POLICY's maxAgeMs), and a partner pulls its feed and
 * downloads assets within days; a first pull, a download or a held delivery finishing later than
 * that is not in the ledger (docs/reports.md).
 */
export const SEAL_AFTER_DAYS = 7;

/**
 * The shortest retention of finished deliveries in the table (TTL): the day itself, the wait before
 * it is sealed, and a week more for a sealer that failed to be mended and catch up. A report reads
 * the sealed facts of a sealed day, so nothing it needs expires before it is sealed.
 */
export const MIN_RETENTION_DAYS = 1 + SEAL_AFTER_DAYS + 7;
/**
 * Default retention of finished deliveries: the minimum, about two weeks. Storing finished items is
 * a large part of a delivery's cost (issue #14), and what a report needs of them is in the ledger by
 * then.
 */
export const DEFAULT_RETENTION_DAYS = 15;
