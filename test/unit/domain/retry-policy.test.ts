import { describe, expect, it } from 'vitest';
import {
  classifyHttpStatus,
  DEFAULT_RETRY_POLICY,
  mayRetry,
  nextDelayMs,
  parseRetryAfter,
} from '#domain/retry-policy.ts';

const policy = {
  ...DEFAULT_RETRY_POLICY,
  baseDelayMs: 1000,
  factor: 2,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
};

describe('classifyHttpStatus', () => {
  it.each([200, 201, 202, 204, 299])('takes %i as delivered', (s) =>
    expect(classifyHttpStatus(s)).toBe('delivered'),
  );
  it.each([408, 429, 500, 502, 503, 504])('retries on %i', (s) =>
    expect(classifyHttpStatus(s)).toBe('retry'),
  );
  it.each([301, 400, 401, 403, 404, 410, 422])('fails on %i', (s) =>
    expect(classifyHttpStatus(s)).toBe('failed'),
  );
});

describe('nextDelayMs', () => {
  it('doubles the cap with each attempt and draws between half the cap and the cap', () => {
    expect(nextDelayMs(policy, 1, undefined, () => 0)).toBe(500);
    expect(nextDelayMs(policy, 1, undefined, () => 1)).toBe(1000);
    expect(nextDelayMs(policy, 3, undefined, () => 1)).toBe(4000);
  });

  it('never exceeds maxDelayMs however many attempts were made', () => {
    expect(nextDelayMs(policy, 30, undefined, () => 1)).toBe(10_000);
  });

  it("waits as long as a partner's Retry-After asks when that is longer than the backoff", () => {
    expect(nextDelayMs(policy, 1, 20_000, () => 1)).toBe(20_000);
  });

  it('clamps a Retry-After longer than maxRetryAfterMs', () => {
    expect(nextDelayMs(policy, 1, 3_600_000, () => 1)).toBe(30_000);
  });

  it('keeps the backoff when Retry-After asks for less', () => {
    expect(nextDelayMs(policy, 3, 10, () => 1)).toBe(4000);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2025-06-01T08:00:00Z');
  it('reads delta-seconds', () => expect(parseRetryAfter('120', now)).toBe(120_000));
  it('reads an HTTP date', () => expect(parseRetryAfter('Sun, 01 Jun 2025 08:00:30 GMT', now)).toBe(30_000));
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('mayRetry', () => {
  it('allows attempts up to maxAttempts and no more', () => {
    expect(mayRetry({ ...policy, maxAttempts: 3 }, 2)).toBe(true);
    expect(mayRetry({ ...policy, maxAttempts: 3 }, 3)).toBe(false);
  });
});
