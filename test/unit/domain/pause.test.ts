import { describe, expect, it } from 'vitest';
import { CircuitBreakers, DEFAULT_CIRCUIT_BREAKER } from '#domain/circuit-breaker.ts';
import { canMove, TERMINAL } from '#domain/delivery.ts';
import {
  channelEndpoint,
  closedCircuit,
  DEFAULT_PAUSE_AFTER_MS,
  pauseDue,
  pausedCircuit,
  probeInMs,
} from '#domain/pause.ts';

const A = 'https://a.example';
const DAY = 24 * 3_600_000;
const policy = { failureThreshold: 2, openMs: 1_000, maxOpenMs: 4_000, pauseAfterMs: 10_000 };

describe('pause: an endpoint failing without a success for pauseAfterMs', () => {
  it('is paused once the run of failures is pauseAfterMs old, not before', () => {
    expect(pauseDue(policy, 0, 9_999)).toBe(false);
    expect(pauseDue(policy, 0, 10_000)).toBe(true);
  });

  it('is never paused while it is up (no run of failures) or when pausing is disabled (0)', () => {
    expect(pauseDue(policy, undefined, 1e12)).toBe(false);
    expect(pauseDue({ ...policy, pauseAfterMs: 0 }, 0, 1e12)).toBe(false);
  });

  it('defaults to five days', () => {
    const { pauseAfterMs: _ignored, ...withoutPause } = policy;

    expect(DEFAULT_CIRCUIT_BREAKER.pauseAfterMs).toBe(5 * DAY);
    expect(DEFAULT_PAUSE_AFTER_MS).toBe(5 * DAY);
    expect(pauseDue(withoutPause, 0, 5 * DAY - 1)).toBe(false);
    expect(pauseDue(withoutPause, 0, 5 * DAY)).toBe(true);
  });

  it('measures from the first failure since the last success, carried by every opening and adopted by other workers', () => {
    const one = new CircuitBreakers(policy);
    const other = new CircuitBreakers(policy);

    one.recordFailure(A, 100);
    const opening = one.recordFailure(A, 200);
    other.adopt(opening ?? closedCircuit(policy, A, 0));
    // A failed probe a while later re-opens it: the run still began at 100.
    expect(one.check(A, 5_000)).toEqual({ allowed: true, probe: true });
    const reopening = one.recordFailure(A, 5_000);

    expect(opening?.failingSince).toBe(100);
    expect(reopening?.failingSince).toBe(100);
    expect(other.failingSince(A)).toBe(100);
    expect(pauseDue(policy, one.failingSince(A), 10_100)).toBe(true);
  });

  it('starts again after a success: a partner that answers now and then is never paused', () => {
    const b = new CircuitBreakers(policy);

    b.recordFailure(A, 0);
    b.recordSuccess(A, 9_000);
    b.recordFailure(A, 9_500);

    expect(b.failingSince(A)).toBe(9_500);
    expect(pauseDue(policy, b.failingSince(A), 12_000)).toBe(false);
  });

  it('probes a paused endpoint once per probe period (probeEveryMs, else maxOpenMs)', () => {
    const paused = pausedCircuit(policy, A, 0, 10_000);

    expect(paused).toEqual({ endpoint: A, state: 'paused', at: 10_000, openMs: 4_000, failingSince: 0 });
    expect(probeInMs(policy, paused, 11_000)).toBe(3_000);
    expect(probeInMs(policy, paused, 14_000)).toBe(0);
    expect(probeInMs({ ...policy, probeEveryMs: 500 }, paused, 10_200)).toBe(300);
  });
});

describe('held deliveries', () => {
  it('wait from pending or retrying, go back to pending only, and are not terminal', () => {
    expect(canMove('pending', 'held')).toBe(true);
    expect(canMove('retrying', 'held')).toBe(true);
    expect(canMove('held', 'pending')).toBe(true);
    expect(canMove('held', 'delivered')).toBe(false);
    expect(canMove('held', 'failed')).toBe(false);
    expect(canMove('failed', 'held')).toBe(false);
    expect(TERMINAL).not.toContain('held');
  });
});

describe('channelEndpoint', () => {
  it('names the endpoint the channel adapters keep circuits for, and none for a feed', () => {
    const base = { channelId: 'c', name: 'x' };
    expect(channelEndpoint({ ...base, type: 'webhook', url: 'https://cms.example/hook?a=1' } as never)).toBe(
      'https://cms.example',
    );
    expect(channelEndpoint({ ...base, type: 'broadcast', target: 's3', bucket: 'ingest' } as never)).toBe(
      's3://ingest',
    );
    expect(channelEndpoint({ ...base, type: 'feed' } as never)).toBeUndefined();
  });
});
