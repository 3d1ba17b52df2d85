import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, mayRetry, RetryPolicy, retryAfterFromHeaders } from '#domain/retry-policy.ts';

const now = new Date('2025-06-01T08:00:00Z');
const nowSeconds = now.getTime() / 1000;

describe('retryAfterFromHeaders', () => {
  it('prefers Retry-After', () => {
    expect(retryAfterFromHeaders({ 'retry-after': '30', 'ratelimit-reset': '5' }, now)).toBe(30_000);
  });

  it('reads the IETF RateLimit-Reset as seconds from now', () => {
    expect(retryAfterFromHeaders({ 'ratelimit-reset': '12' }, now)).toBe(12_000);
  });

  it('reads X-RateLimit-Reset as an epoch time when it is one, and as seconds otherwise', () => {
    expect(retryAfterFromHeaders({ 'x-ratelimit-reset': String(nowSeconds + 90) }, now)).toBe(90_000);
    expect(retryAfterFromHeaders({ 'x-ratelimit-reset': '7' }, now)).toBe(7_000);
  });

  it('never waits less than nothing, and ignores what it cannot read', () => {
    expect(retryAfterFromHeaders({ 'x-ratelimit-reset': String(nowSeconds - 90) }, now)).toBe(0);
    expect(retryAfterFromHeaders({ 'ratelimit-reset': 'soon' }, now)).toBeUndefined();
    expect(retryAfterFromHeaders({}, now)).toBeUndefined();
  });
});

describe('mayRetry', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 3, maxAgeMs: 60_000 };

  it('stops after maxAttempts', () => {
    expect(mayRetry(policy, 2)).toBe(true);
    expect(mayRetry(policy, 3)).toBe(false);
  });

  it('stops once the round is older than maxAgeMs, whatever attempts are left', () => {
    expect(mayRetry(policy, 1, 59_999)).toBe(true);
    expect(mayRetry(policy, 1, 60_000)).toBe(false);
  });
});

describe('the default policy', () => {
  it('is a valid policy that gives up within a day', () => {
    expect(RetryPolicy.parse(DEFAULT_RETRY_POLICY)).toEqual(DEFAULT_RETRY_POLICY);
    expect(DEFAULT_RETRY_POLICY.maxAgeMs).toBe(24 * 3600 * 1000);
  });
});
