import { z } from 'zod';

/** The retry schedule is data: exponential backoff with full jitter, capped, with a clamp on Retry-After. */
export const RetryPolicy = z.object({
  /** Attempts in all, the first included, before a delivery is failed. */
  maxAttempts: z.number().int().min(1).max(100),
  baseDelayMs: z.number().int().min(0),
  factor: z.number().min(1),
  maxDelayMs: z.number().int().min(0),
  /** A partner's Retry-After is honoured up to this much; beyond it, we wait this much. */
  maxRetryAfterMs: z.number().int().min(0),
  /** Per-attempt HTTP timeout. */
  timeoutMs: z.number().int().min(100),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/**
 * Default: 8 attempts over about a day (5 s, 15 s, 45 s, ~2 min, ~7 min, ~20 min, ~1 h), like common
 * webhook senders' schedules. See docs/retry-policy.md.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 5_000,
  factor: 3,
  maxDelayMs: 6 * 60 * 60 * 1000,
  maxRetryAfterMs: 60 * 60 * 1000,
  timeoutMs: 10_000,
};

export type HttpVerdict = 'delivered' | 'retry' | 'failed';

/** 2xx delivered; 408, 429 and 5xx worth another try; any other status is the partner refusing. */
export function classifyHttpStatus(status: number): HttpVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}

/** Retry-After is seconds or an HTTP date; returns milliseconds from now, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined | null, now: Date): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * Delay before attempt `attemptsMade + 1`. Full jitter (a uniform draw below the exponential cap)
 * spreads a partner's recovering load; a partner's own Retry-After wins when it asks for longer.
 */
export function nextDelayMs(
  policy: RetryPolicy,
  attemptsMade: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const cap = Math.min(
    policy.maxDelayMs,
    policy.baseDelayMs * policy.factor ** Math.max(0, attemptsMade - 1),
  );
  const jittered = Math.floor(cap / 2 + (random() * cap) / 2);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.maxRetryAfterMs));
}

/** Whether another attempt is allowed after `attemptsMade`. */
export function mayRetry(policy: RetryPolicy, attemptsMade: number): boolean {
  return attemptsMade < policy.maxAttempts;
}
