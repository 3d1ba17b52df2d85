import { describe, expect, it } from 'vitest';
import { type Attempt, applyOutcome, type ChannelOutcome, roundStartedAt } from '#domain/delivery.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '#domain/retry-policy.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';

const NOW = new Date('2026-03-01T08:00:00Z');
const POLICY: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 3, baseDelayMs: 1_000, factor: 2 };
/** The jitter's draw at its top: the delay is the exponential cap. */
const TOP = () => 0.999_999;

function attemptAt(at: string, trigger: Attempt['trigger'] = 'scheduled'): Attempt {
  return { n: 1, at, trigger, outcome: 'retry', durationMs: 5 };
}

const ctx = { trigger: 'scheduled' as const, now: NOW, policy: POLICY, random: TOP };
const answered = (outcome: Partial<ChannelOutcome>): ChannelOutcome => ({
  verdict: 'delivered',
  durationMs: 12,
  ...outcome,
});

/** A pending webhook delivery, never attempted. */
const delivery = deliveryFixture;

describe('applyOutcome', () => {
  it('delivers on a delivered verdict, keeping what the channel called the post', () => {
    const step = applyOutcome(delivery(), answered({ httpStatus: 200, remoteId: 'post-9' }), ctx);

    expect(step).toEqual({
      status: 'delivered',
      attempt: {
        n: 1,
        at: NOW.toISOString(),
        trigger: 'scheduled',
        outcome: 'delivered',
        durationMs: 12,
        httpStatus: 200,
      },
      remoteId: 'post-9',
    });
  });

  it('schedules the next attempt on a retry verdict, with the backoff of the attempts made', () => {
    const d = delivery({ status: 'retrying', attemptCount: 1, attempts: [attemptAt(NOW.toISOString())] });

    const step = applyOutcome(d, answered({ verdict: 'retry', httpStatus: 503, error: 'HTTP 503' }), ctx);

    // Attempt 2: the cap is base × factor¹ = 2 s.
    expect(step).toMatchObject({ status: 'retrying', delayMs: 1_999, lastError: 'HTTP 503' });
    expect(step?.attempt).toMatchObject({ n: 2, outcome: 'retry', httpStatus: 503, error: 'HTTP 503' });
    expect(step?.nextAttemptAt).toBe(new Date(NOW.getTime() + 1_999).toISOString());
  });

  it("waits as long as the partner asks when that is longer than the backoff (up to the policy's clamp)", () => {
    const step = applyOutcome(delivery(), answered({ verdict: 'retry', waitMs: 60_000 }), ctx);

    expect(step).toMatchObject({ status: 'retrying', delayMs: 60_000 });
  });

  it('fails a retry verdict once the attempts are spent', () => {
    const d = delivery({ status: 'retrying', attemptCount: 2 });

    const step = applyOutcome(d, answered({ verdict: 'retry', error: 'timeout' }), ctx);

    expect(step).toMatchObject({
      status: 'failed',
      lastError: 'timeout',
      attempt: { n: 3, outcome: 'retry' },
    });
    expect(step?.nextAttemptAt).toBeUndefined();
  });

  it("fails a retry verdict once the round is older than the policy's age, counted from the latest replay", () => {
    const dayAgo = new Date(NOW.getTime() - POLICY.maxAgeMs).toISOString();
    const old = delivery({ status: 'retrying', attemptCount: 1, attempts: [attemptAt(dayAgo)] });
    const replayed = delivery({
      status: 'retrying',
      attemptCount: 1,
      attempts: [attemptAt(dayAgo), attemptAt(NOW.toISOString(), 'manual')],
    });

    expect(applyOutcome(old, answered({ verdict: 'retry' }), ctx)?.status).toBe('failed');
    expect(applyOutcome(replayed, answered({ verdict: 'retry' }), ctx)?.status).toBe('retrying');
  });

  it('fails on a failed verdict without scheduling anything, and keeps no remote id', () => {
    const step = applyOutcome(
      delivery(),
      answered({ verdict: 'failed', httpStatus: 400, error: 'HTTP 400', remoteId: 'x' }),
      ctx,
    );

    expect(step).toEqual({
      status: 'failed',
      attempt: {
        n: 1,
        at: NOW.toISOString(),
        trigger: 'scheduled',
        outcome: 'failed',
        durationMs: 12,
        httpStatus: 400,
        error: 'HTTP 400',
      },
      lastError: 'HTTP 400',
    });
  });

  it('discards when told the delivery will never be sent, even on a retry verdict', () => {
    const step = applyOutcome(delivery(), answered({ verdict: 'retry', error: 'agreement deleted' }), {
      ...ctx,
      discard: true,
    });

    expect(step).toMatchObject({ status: 'discarded', lastError: 'agreement deleted' });
  });

  it('marks an attempt the open circuit skipped, and counts it like any other', () => {
    const d = delivery({ status: 'retrying', attemptCount: 1 });

    const step = applyOutcome(d, answered({ verdict: 'retry', durationMs: 0 }), {
      ...ctx,
      skipped: 'circuit-open',
    });

    expect(step?.attempt).toMatchObject({ n: 2, skipped: 'circuit-open', durationMs: 0 });
  });

  it('records the trigger of the attempt: an operator replay is manual', () => {
    const step = applyOutcome(delivery(), answered({}), { ...ctx, trigger: 'manual' });

    expect(step?.attempt.trigger).toBe('manual');
  });

  it('writes nothing for a delivery the status machine does not let move (terminal or held)', () => {
    for (const status of ['delivered', 'failed', 'discarded', 'held'] as const) {
      expect(applyOutcome(delivery({ status }), answered({}), ctx)).toBeUndefined();
      expect(applyOutcome(delivery({ status }), answered({ verdict: 'retry' }), ctx)).toBeUndefined();
      expect(applyOutcome(delivery({ status }), answered({}), { ...ctx, discard: true })).toBeUndefined();
    }
  });
});

describe('roundStartedAt', () => {
  it('starts at the latest replay, else the first attempt, else now', () => {
    const first = '2026-03-01T06:00:00.000Z';
    const replay = '2026-03-01T07:00:00.000Z';

    expect(roundStartedAt(delivery(), NOW)).toBe(NOW.getTime());
    expect(roundStartedAt(delivery({ attempts: [attemptAt(first)] }), NOW)).toBe(Date.parse(first));
    expect(roundStartedAt(delivery({ attempts: [attemptAt(first), attemptAt(replay, 'manual')] }), NOW)).toBe(
      Date.parse(replay),
    );
  });
});
