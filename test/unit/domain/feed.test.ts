import { describe, expect, it } from 'vitest';
import {
  decodeFeedCursor,
  encodeFeedCursor,
  entryKind,
  FEED_SETTLE_MS,
  feedPosition,
  feedTime,
  TOMBSTONE_RETENTION_MS,
  visibleUpTo,
} from '#domain/feed.ts';

const NOW = new Date('2025-06-01T08:00:00.000Z');
const position = feedPosition('2025-06-01T07:00:00Z', 'dlv_abcDEF123_-');

describe('feed positions and cursors', () => {
  it('places an item at its routing time, or at the end of its embargo when that is later', () => {
    expect(feedTime('2025-06-01T07:00:00.000Z')).toBe('2025-06-01T07:00:00.000Z');
    expect(feedTime('2025-06-01T07:00:00.000Z', '2025-06-02T00:00:00+07:00')).toBe(
      '2025-06-01T17:00:00.000Z',
    );
    expect(feedTime('2025-06-01T07:00:00.000Z', '2025-05-01T00:00:00Z')).toBe('2025-06-01T07:00:00.000Z');
  });

  it('sorts positions by time whatever offset the time was given in', () => {
    const a = feedPosition('2025-06-01T09:00:00+07:00', 'dlv_a');
    const b = feedPosition('2025-06-01T03:00:00Z', 'dlv_b');

    expect([b, a].sort()).toEqual([a, b]);
    expect(a).toBe('2025-06-01T02:00:00.000Z#dlv_a');
  });

  it('reads back a cursor it issued', () => {
    expect(decodeFeedCursor(encodeFeedCursor(position))).toBe(position);
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['base64 of something else', Buffer.from('{"pk":"x"}').toString('base64url')],
    ['a position without a delivery id', encodeFeedCursor('2025-06-01T07:00:00.000Z#')],
    ['padded base64', `${encodeFeedCursor(position)}=`],
  ])('refuses %s as a cursor', (_what, cursor) => {
    expect(decodeFeedCursor(cursor)).toBeUndefined();
  });

  it('makes an item visible only once the settle time has passed', () => {
    const bound = visibleUpTo(NOW);
    const settled = feedPosition(new Date(NOW.getTime() - FEED_SETTLE_MS).toISOString(), 'dlv_zzz');
    const tooFresh = feedPosition(new Date(NOW.getTime() - FEED_SETTLE_MS + 1).toISOString(), 'dlv_a');

    expect(settled <= bound).toBe(true);
    expect(tooFresh <= bound).toBe(false);
  });
});

describe('entryKind', () => {
  it('shows an item that was not withdrawn', () => {
    expect(entryKind({ position, feedAt: '2025-06-01T07:00:00.000Z' }, NOW)).toBe('item');
  });

  // Withdrawn a minute before its position: a tombstone once it was public, hidden while under embargo.
  it.each([
    ['shows a withdrawn item as a tombstone at its withdrawal', '2025-06-01T07:00:00.000Z', 'tombstone'],
    [
      'hides an item withdrawn before its embargo ended: a tombstone would reveal it',
      '2025-06-02T00:00:00.000Z',
      'hidden',
    ],
  ] as const)('%s', (_, feedAt, kind) => {
    const row = {
      position: feedPosition('2025-06-01T07:30:00Z', 'dlv_a'),
      feedAt,
      withdrawnAt: '2025-06-01T07:29:00Z',
    };

    expect(entryKind(row, NOW)).toBe(kind);
  });

  it('hides a tombstone once its retention period is over', () => {
    const row = { position, feedAt: '2025-06-01T06:00:00.000Z', withdrawnAt: '2025-06-01T07:00:00Z' };
    const later = new Date(Date.parse('2025-06-01T07:00:00Z') + TOMBSTONE_RETENTION_MS + 1);

    expect(entryKind(row, later)).toBe('hidden');
  });
});
