/**
 * What a partner's feed is made of, independent of storage and format: each feed delivery has a
 * position `<time>#<deliveryId>` (ISO time, so positions sort by time), the feed lists positions
 * newest first, and a cursor is an opaque form of one position.
 */

export const FEED_FORMATS = ['rss', 'atom', 'json', 'ninjs'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

/** Items per page: what a poll returns unless it asks for fewer. */
export const FEED_PAGE_SIZE = { default: 50, max: 200 } as const;

/** Signed feed URLs: how long operators may make them live (seconds). */
export const FEED_URL_TTL = { default: 7 * 24 * 3600, min: 60, max: 30 * 24 * 3600 } as const;

/**
 * An item becomes visible this long after its time. The feed index is eventually consistent and a
 * delivery's time is taken just before its write, so without the wait a poll could hand out a
 * cursor past an item that lands a moment later, and a `since` reader would never see it.
 */
export const FEED_SETTLE_MS = 5_000;

/** A withdrawn item stays in ninjs and JSON Feed as a tombstone this long after its withdrawal. */
export const TOMBSTONE_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** When an item enters the feed: when it was routed, or when its embargo ends if that is later. */
export function feedTime(createdAt: string, embargoUntil?: string): string {
  const created = Date.parse(createdAt);
  const embargo = embargoUntil ? Date.parse(embargoUntil) : Number.NaN;
  return new Date(Number.isNaN(embargo) ? created : Math.max(created, embargo)).toISOString();
}

/** The sort key of a feed item: time first, the delivery id to break ties. */
export function feedPosition(time: string, deliveryId: string): string {
  return `${new Date(time).toISOString()}#${deliveryId}`;
}

/** The time part of a position. */
export function positionTime(position: string): string {
  return position.slice(0, position.indexOf('#'));
}

/** The greatest position visible at `now`: everything at or before now minus the settle time. */
export function visibleUpTo(now: Date): string {
  // '~' sorts after every character a delivery id uses, so the bound includes the whole millisecond.
  return `${new Date(now.getTime() - FEED_SETTLE_MS).toISOString()}#~`;
}

const POSITION = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#dlv_[A-Za-z0-9_-]{1,64}$/;

/** An opaque `since` cursor for a position. */
export function encodeFeedCursor(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

/** The position a cursor names; undefined when it is not one this feed issued. */
export function decodeFeedCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
  const position = Buffer.from(cursor, 'base64url').toString('utf8');
  return POSITION.test(position) && encodeFeedCursor(position) === cursor ? position : undefined;
}

export const ENTRY_KIND = { item: 'item', tombstone: 'tombstone', hidden: 'hidden' } as const;
type EntryKind = (typeof ENTRY_KIND)[keyof typeof ENTRY_KIND];

/**
 * How a feed row shows: a live item; a withdrawn one as a tombstone (it moved to the withdrawal's
 * position, so readers following `since` meet it); or not at all, when it was withdrawn before it
 * ever entered the feed (a tombstone would reveal an embargoed article) or its tombstone has expired.
 */
export function entryKind(
  row: { position: string; feedAt?: string; withdrawnAt?: string },
  now: Date,
): EntryKind {
  if (!row.withdrawnAt) return ENTRY_KIND.item;
  const withdrawnTime = positionTime(row.position);
  if (row.feedAt && row.feedAt > withdrawnTime) return ENTRY_KIND.hidden;
  if (now.getTime() - Date.parse(withdrawnTime) > TOMBSTONE_RETENTION_MS) return ENTRY_KIND.hidden;
  return ENTRY_KIND.tombstone;
}
