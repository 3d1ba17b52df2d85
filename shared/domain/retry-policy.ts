import * as z from 'zod';

/**
 * The retry schedule is data: exponential backoff with jitter, capped, with a clamp on Retry-After,
 * a number of attempts and an age after which a delivery is failed rather than tried again.
 * docs/reliability.md sets it beside the schedules of Standard Webhooks, Svix and Stripe.
 */
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
  /**
   * Age after which no further attempt is scheduled: counted from the round's first attempt (the
   * first ever, or the operator's replay), and from the due time for a delivery never attempted.
   */
  maxAgeMs: z.number().int().min(1000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/**
 * Default: 8 attempts over about 1½ hours of waits (5 s, 15 s, 45 s, ~2 min, ~7 min, ~20 min, ~1 h),
 * and never past a day. See docs/webhooks.md and docs/reliability.md.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 5_000,
  factor: 3,
  maxDelayMs: 6 * 60 * 60 * 1000,
  maxRetryAfterMs: 60 * 60 * 1000,
  timeoutMs: 10_000,
  maxAgeMs: 24 * 60 * 60 * 1000,
};

type HttpVerdict = 'delivered' | 'retry' | 'failed';

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

/**
 * When a rate-limited partner says to come back, in milliseconds from now: `Retry-After` first, then
 * the IETF draft's `RateLimit-Reset` (delta-seconds), then the common `X-RateLimit-Reset` (epoch
 * seconds when it looks like one, delta-seconds otherwise). Undefined when none is readable.
 */
export function retryAfterFromHeaders(headers: Record<string, string>, now: Date): number | undefined {
  const retryAfter = parseRetryAfter(headers['retry-after'], now);
  if (retryAfter !== undefined) return retryAfter;
  for (const name of ['ratelimit-reset', 'x-ratelimit-reset']) {
    const ms = resetHeaderMs(headers[name], now);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

/**
 * A rate-limit reset header's value in milliseconds from now: epoch seconds when it looks like one,
 * delta-seconds otherwise; undefined when absent or not a number.
 */
export function resetHeaderMs(value: string | undefined, now: Date): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed || !/^\d+$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  // Epoch seconds are ~1.7e9 today; a delta that large would be fifty years.
  return n > 1_000_000_000 ? Math.max(0, n * 1000 - now.getTime()) : n * 1000;
}

/** Whether another attempt is allowed after `attemptsMade`, `ageMs` into the current round. */
export function mayRetry(policy: RetryPolicy, attemptsMade: number, ageMs = 0): boolean {
  return attemptsMade < policy.maxAttempts && ageMs < policy.maxAgeMs;
}

/**
 * The latest the attempts after `attemptsMade` can be over, from `now`: every remaining wait at its
 * longest (the backoff's cap without jitter, or a Retry-After at its clamp) plus each attempt's
 * timeout. The sweeper leaves a retrying delivery whose retries ride on their messages alone until then.
 */
export function retriesEndBy(policy: RetryPolicy, attemptsMade: number, now: Date): Date {
  let ms = 0;
  for (let n = attemptsMade; n < policy.maxAttempts; n++) {
    const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** Math.max(0, n - 1));
    ms += Math.max(cap, policy.maxRetryAfterMs) + policy.timeoutMs;
  }
  return new Date(now.getTime() + ms);
}
