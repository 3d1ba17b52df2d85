import { describe, expect, it } from 'vitest';
import { agreementRefusal, releaseAt, supersededBy, termState } from '#domain/send-rules.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';

const NOW = new Date('2026-03-01T08:00:00Z');
const EMBARGO = '2026-03-01T10:00:00.000Z';

describe('releaseAt (embargo)', () => {
  it('holds a social post until the embargo even under a pass-through agreement', () => {
    const passThrough = agreementFixture({ embargo: 'pass-through' });

    expect(releaseAt(passThrough, 'social', EMBARGO, NOW).toISOString()).toBe(EMBARGO);
  });

  it('sends webhook and broadcast at once under pass-through (the payload states the embargo)', () => {
    const passThrough = agreementFixture({ embargo: 'pass-through' });

    expect(releaseAt(passThrough, 'webhook', EMBARGO, NOW)).toEqual(NOW);
    expect(releaseAt(passThrough, 'broadcast', EMBARGO, NOW)).toEqual(NOW);
  });

  it('holds every channel under a hold agreement, and feeds always', () => {
    const hold = agreementFixture({ embargo: 'hold' });
    const passThrough = agreementFixture({ embargo: 'pass-through' });

    expect(releaseAt(hold, 'webhook', EMBARGO, NOW).toISOString()).toBe(EMBARGO);
    expect(releaseAt(hold, 'broadcast', EMBARGO, NOW).toISOString()).toBe(EMBARGO);
    expect(releaseAt(passThrough, 'feed', EMBARGO, NOW).toISOString()).toBe(EMBARGO);
  });

  it('releases at once an embargo already past, or none', () => {
    const hold = agreementFixture({ embargo: 'hold' });

    expect(releaseAt(hold, 'social', '2026-03-01T07:59:59.000Z', NOW)).toEqual(NOW);
    expect(releaseAt(hold, 'social', undefined, NOW)).toEqual(NOW);
  });
});

describe('termState and agreementRefusal (term and status at send time)', () => {
  const agreement = agreementFixture({ validFrom: '2026-01-01', validTo: '2026-03-01' });

  it('counts both ends of the term, in whole UTC days', () => {
    expect(termState(agreement, new Date('2026-03-01T23:59:59Z'))).toBe('in-term');
    expect(termState(agreement, new Date('2026-03-02T00:00:00Z'))).toBe('ended');
    expect(termState(agreement, new Date('2025-12-31T23:59:59Z'))).toBe('not-started');
  });

  it('refuses a publish after the term as term-ended, and under a suspended agreement', () => {
    expect(agreementRefusal(agreement, new Date('2026-03-02T00:00:00Z'))).toBe('term-ended');
    expect(agreementRefusal({ ...agreement, status: 'suspended' }, NOW)).toBe('agreement suspended');
    expect(agreementRefusal(agreement, NOW)).toBeNull();
  });

  it('lets a takedown through to a suspended or ended agreement, not an expired one', () => {
    const after = new Date('2026-06-01T00:00:00Z');

    expect(agreementRefusal({ ...agreement, status: 'suspended' }, after, 'withdrawal')).toBeNull();
    expect(agreementRefusal({ ...agreement, status: 'expired' }, after, 'withdrawal')).toBe(
      'agreement expired',
    );
  });
});

describe('supersededBy (never an older version after a newer one)', () => {
  it('names the newest version on the channel above the one about to be sent', () => {
    const onChannel = [
      { version: 1, status: 'failed' },
      { version: 2, status: 'delivered' },
      { version: 3, status: 'pending' },
    ];

    expect(supersededBy(1, onChannel)).toBe(3);
    expect(supersededBy(3, onChannel)).toBeUndefined();
  });

  it('ignores discarded versions and takedown notices', () => {
    const onChannel = [
      { version: 2, status: 'discarded' },
      { version: 3, status: 'delivered', kind: 'withdrawal' },
    ];

    expect(supersededBy(1, onChannel)).toBeUndefined();
  });
});
