import { z } from 'zod';

/**
 * When to stop calling a partner endpoint that keeps failing. Data, like the retry policy, so an
 * operator can tune it with `LOA_CIRCUIT_BREAKER` without a deploy.
 */
export const CircuitBreakerPolicy = z.object({
  /**
   * Consecutive failures without an answer (timeouts, resets, refused connections) that open the
   * circuit; 0 disables it. An answer of any status closes it: the endpoint is up.
   */
  failureThreshold: z.number().int().min(0),
  /** How long the circuit stays open before one probe is let through. */
  openMs: z.number().int().min(0),
  /** Each failed probe doubles the open time, up to this. */
  maxOpenMs: z.number().int().min(0),
});
export type CircuitBreakerPolicy = z.infer<typeof CircuitBreakerPolicy>;

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerPolicy = {
  failureThreshold: 5,
  openMs: 30_000,
  maxOpenMs: 10 * 60_000,
};

export const CIRCUIT_STATE = { closed: 'closed', open: 'open', halfOpen: 'half-open' } as const;
export type CircuitState = (typeof CIRCUIT_STATE)[keyof typeof CIRCUIT_STATE];

/** What a caller may do now: call the endpoint, or not before `retryInMs`. */
export type CircuitDecision = { allowed: true; probe: boolean } | { allowed: false; retryInMs: number };

interface Circuit {
  state: CircuitState;
  failures: number;
  openedAt: number;
  openMs: number;
  /** When the half-open probe went out; a probe that never reports back is given up after openMs. */
  probeAt: number | undefined;
}

/**
 * One circuit per endpoint (an origin), in the memory of one worker. Closed: calls go through and
 * consecutive failures are counted. Open: calls are refused until the open time has passed. Half-open:
 * one probe goes through; its success closes the circuit, its failure opens it for twice as long.
 */
export class CircuitBreakers {
  readonly #circuits = new Map<string, Circuit>();

  constructor(private readonly policy: CircuitBreakerPolicy) {}

  /** Whether a call to `endpoint` may go out at `now` (epoch ms); a probe must report back. */
  check(endpoint: string, now: number): CircuitDecision {
    const c = this.#circuits.get(endpoint);
    if (!c || c.state === CIRCUIT_STATE.closed) return { allowed: true, probe: false };
    if (c.state === CIRCUIT_STATE.open) {
      const reopensAt = c.openedAt + c.openMs;
      if (now < reopensAt) return { allowed: false, retryInMs: reopensAt - now };
      c.state = CIRCUIT_STATE.halfOpen;
      c.probeAt = undefined;
    }
    if (c.probeAt === undefined || now >= c.probeAt + c.openMs) {
      c.probeAt = now;
      return { allowed: true, probe: true };
    }
    // Half-open with its one probe under way: come back when the probe is surely over.
    return { allowed: false, retryInMs: c.probeAt + c.openMs - now };
  }

  /** The endpoint answered (any status that shows it is up, 4xx included). */
  recordSuccess(endpoint: string): void {
    this.#circuits.delete(endpoint);
  }

  /** The endpoint did not answer; opens the circuit at the threshold or on a failed probe. */
  recordFailure(endpoint: string, now: number): void {
    if (this.policy.failureThreshold === 0) return;
    const c = this.#circuits.get(endpoint) ?? {
      state: CIRCUIT_STATE.closed,
      failures: 0,
      openedAt: 0,
      openMs: this.policy.openMs,
      probeAt: undefined,
    };
    c.failures++;
    if (c.state === CIRCUIT_STATE.halfOpen) {
      c.openMs = Math.min(c.openMs * 2, this.policy.maxOpenMs);
      this.#open(c, now);
    } else if (c.state === CIRCUIT_STATE.closed && c.failures >= this.policy.failureThreshold) {
      this.#open(c, now);
    }
    this.#circuits.set(endpoint, c);
  }

  /** The circuit's state at `now`, for logs and tests. */
  state(endpoint: string, now: number): CircuitState {
    const c = this.#circuits.get(endpoint);
    if (!c) return CIRCUIT_STATE.closed;
    if (c.state === CIRCUIT_STATE.open && now >= c.openedAt + c.openMs) return CIRCUIT_STATE.halfOpen;
    return c.state;
  }

  #open(c: Circuit, now: number): void {
    c.state = CIRCUIT_STATE.open;
    c.openedAt = now;
    c.probeAt = undefined;
  }
}

/** The endpoint a circuit is kept for: the URL's origin (scheme, host, port). */
export function endpointOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
