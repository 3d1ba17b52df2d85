import { describe, expect, it } from 'vitest';
import { matchesPattern } from '#infra/local/event-pattern.ts';
import { SUBSCRIPTIONS } from '#infra/wiring.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';

const pattern = { source: ['loa.cms', 'loa.package'], 'detail-type': ['ContentApproved'] };

describe('matchesPattern', () => {
  it('matches an event whose source and detail-type are both among the allowed values', () => {
    const event = { source: 'loa.package', 'detail-type': 'ContentApproved' };

    const matched = matchesPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it('refuses an event whose source is not listed', () => {
    const event = { source: 'loa.delivery', 'detail-type': 'ContentApproved' };

    const matched = matchesPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it('refuses an event whose detail-type is not listed', () => {
    const event = { source: 'loa.cms', 'detail-type': 'ContentWithdrawn' };

    const matched = matchesPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it('compares exactly, not by prefix or case', () => {
    const events = [
      { source: 'loa.cms', 'detail-type': 'contentapproved' },
      { source: 'loa.cm', 'detail-type': 'ContentApproved' },
      { source: 'loa.cms ', 'detail-type': 'ContentApproved' },
    ];

    const matched = events.map((event) => matchesPattern(pattern, event));

    expect(matched).toEqual([false, false, false]);
  });

  it('routes a CMS approval to the package rule only, as the wiring declares', () => {
    const event = { source: SOURCE.cms, 'detail-type': DETAIL_TYPE.contentApproved };

    const rules = SUBSCRIPTIONS.filter((s) => matchesPattern(s.pattern, event)).map((s) => s.rule);

    expect(rules).toEqual(['package-on-approval']);
  });
});
