import { describe, expect, it } from 'vitest';
import { changedFields, trackedFields } from '#domain/agreement-change.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';

describe('agreement changes', () => {
  it('names the fields that changed and nothing else', () => {
    const before = agreementFixture();
    const after = agreementFixture({
      validTo: '2027-12-31',
      topics: ['infrastructure'],
      updatedAt: '2025-01-01T00:00:00Z',
    });

    expect(changedFields(trackedFields(before), trackedFields(after))).toEqual(['topics', 'validTo']);
  });

  it('compares channels without their secret references', () => {
    const a = agreementFixture();

    const tracked = JSON.stringify(trackedFields(a));

    expect(tracked).not.toContain('secretRef');
    expect(tracked).toContain('http://127.0.0.1:9/hook');
  });
});
