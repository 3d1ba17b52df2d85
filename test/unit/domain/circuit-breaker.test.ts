import { describe, expect, it } from 'vitest';
import { CircuitBreakers, endpointOf } from '#domain/circuit-breaker.ts';

const policy = { failureThreshold: 3, openMs: 1_000, maxOpenMs: 4_000 };
const A = 'https://a.example';
const B = 'https://b.example';

function failTimes(b: CircuitBreakers, endpoint: string, n: number, at = 0) {
  for (let i = 0; i < n; i++) b.recordFailure(endpoint, at);
}

describe('CircuitBreakers', () => {
  it('lets calls through until the threshold of failures in a row, then refuses until the open time is over', () => {
    const b = new CircuitBreakers(policy);

    failTimes(b, A, 2);
    const beforeThreshold = b.check(A, 0);
    b.recordFailure(A, 0);
    const afterThreshold = b.check(A, 400);

    expect(beforeThreshold).toEqual({ allowed: true, probe: false });
    expect(afterThreshold).toEqual({ allowed: false, retryInMs: 600 });
  });

  it('keeps one endpoint open without touching another', () => {
    const b = new CircuitBreakers(policy);

    failTimes(b, A, 3);

    expect(b.check(A, 10).allowed).toBe(false);
    expect(b.check(B, 10)).toEqual({ allowed: true, probe: false });
  });

  it('forgets failures on any answer: only failures in a row open it', () => {
    const b = new CircuitBreakers(policy);

    failTimes(b, A, 2);
    b.recordSuccess(A);
    failTimes(b, A, 2);

    expect(b.state(A, 0)).toBe('closed');
  });

  it('lets exactly one probe through once the open time is over, and closes on its success', () => {
    const b = new CircuitBreakers(policy);
    failTimes(b, A, 3);

    const probe = b.check(A, 1_000);
    const second = b.check(A, 1_001);
    b.recordSuccess(A);

    expect(probe).toEqual({ allowed: true, probe: true });
    expect(second.allowed).toBe(false);
    expect(b.check(A, 1_002)).toEqual({ allowed: true, probe: false });
  });

  it('opens again for twice as long when the probe fails, up to maxOpenMs', () => {
    const b = new CircuitBreakers(policy);
    failTimes(b, A, 3);

    b.check(A, 1_000);
    b.recordFailure(A, 1_000);
    const afterFirstProbe = b.check(A, 1_000);
    b.check(A, 3_000);
    b.recordFailure(A, 3_000);
    b.check(A, 7_000);
    b.recordFailure(A, 7_000);
    const capped = b.check(A, 7_000);

    expect(afterFirstProbe).toEqual({ allowed: false, retryInMs: 2_000 });
    expect(capped).toEqual({ allowed: false, retryInMs: 4_000 });
  });

  it('gives up on a probe that never reported back and lets another through', () => {
    const b = new CircuitBreakers(policy);
    failTimes(b, A, 3);

    b.check(A, 1_000);
    const whileProbing = b.check(A, 1_500);
    const later = b.check(A, 2_000);

    expect(whileProbing).toEqual({ allowed: false, retryInMs: 500 });
    expect(later).toEqual({ allowed: true, probe: true });
  });

  it('never opens with a threshold of 0', () => {
    const b = new CircuitBreakers({ ...policy, failureThreshold: 0 });

    failTimes(b, A, 50);

    expect(b.check(A, 0).allowed).toBe(true);
  });
});

describe('endpointOf', () => {
  it('keys circuits by origin: scheme, host and port', () => {
    expect(endpointOf('https://cms.vtv4.vn/hooks/loa?x=1')).toBe('https://cms.vtv4.vn');
    expect(endpointOf('http://127.0.0.1:8080/a')).toBe('http://127.0.0.1:8080');
  });
});

describe('CircuitBreakers: runs of 5xx and shared state', () => {
  const withServerErrors = { ...policy, serverErrorThreshold: 2 };

  it('opens on a run of 5xx answers and says so once, as the transition to share', () => {
    const b = new CircuitBreakers(withServerErrors);

    const first = b.recordServerError(A, 0);
    const second = b.recordServerError(A, 5);

    expect(first).toBeUndefined();
    // It carries when the run began (the first 5xx), what a pause is measured from.
    expect(second).toEqual({ endpoint: A, state: 'open', at: 5, openMs: 1_000, failingSince: 0 });
    expect(b.check(A, 10)).toEqual({ allowed: false, retryInMs: 995 });
  });

  it('ends a run of 5xx on any other answer', () => {
    const b = new CircuitBreakers(withServerErrors);

    b.recordServerError(A, 0);
    b.recordSuccess(A, 1);
    b.recordServerError(A, 2);

    expect(b.check(A, 3)).toEqual({ allowed: true, probe: false });
  });

  it('adopts an opening another worker shared, and a later closing', () => {
    const b = new CircuitBreakers(policy);

    b.adopt({ endpoint: A, state: 'open', at: 100, openMs: 1_000 });
    const whileOpen = b.check(A, 200);
    b.adopt({ endpoint: A, state: 'closed', at: 300, openMs: 1_000 });

    expect(whileOpen).toEqual({ allowed: false, retryInMs: 900 });
    expect(b.check(A, 301)).toEqual({ allowed: true, probe: false });
  });

  it('ignores a shared state older than what this worker saw itself', () => {
    const b = new CircuitBreakers(withServerErrors);
    b.adopt({ endpoint: A, state: 'open', at: 100, openMs: 1_000 });
    b.check(A, 1_200); // half-open: the probe goes out
    const closing = b.recordSuccess(A, 1_250);

    b.adopt({ endpoint: A, state: 'open', at: 100, openMs: 1_000 });

    expect(closing).toEqual({ endpoint: A, state: 'closed', at: 1_250, openMs: 1_000 });
    expect(b.check(A, 1_300)).toEqual({ allowed: true, probe: false });
  });
});
