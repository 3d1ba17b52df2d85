import * as z from 'zod';

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
  /**
   * Consecutive 5xx answers from one endpoint that open the circuit (a partner up but broken); 0
   * disables it. Absent: 5. Any other answer ends the run.
   */
  serverErrorThreshold: z.number().int().min(0).optional(),
  /** How long the circuit stays open before one probe is let through. */
  openMs: z.number().int().min(0),
  /** Each failed probe doubles the open time, up to this. */
  maxOpenMs: z.number().int().min(0),
  /**
   * An endpoint failing this long without a success is paused (domain/pause.ts): new deliveries wait
   * as `held` until an operator resumes it or a probe succeeds. 0 disables pausing. Absent: 5 days.
   */
  pauseAfterMs: z.number().int().min(0).optional(),
  /** While paused, one held delivery is tried this often as a probe. Absent: maxOpenMs. */
  probeEveryMs: z.number().int().min(1).optional(),
});
export type CircuitBreakerPolicy = z.infer<typeof CircuitBreakerPolicy>;

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerPolicy = {
  failureThreshold: 5,
  serverErrorThreshold: 5,
  openMs: 30_000,
  maxOpenMs: 10 * 60_000,
  pauseAfterMs: 5 * 24 * 3_600_000,
};

const CIRCUIT_STATE = { closed: 'closed', open: 'open', halfOpen: 'half-open' } as const;
type CircuitState = (typeof CIRCUIT_STATE)[keyof typeof CIRCUIT_STATE];

/** What a caller may do now: call the endpoint, or not before `retryInMs`. */
type CircuitDecision = { allowed: true; probe: boolean } | { allowed: false; retryInMs: number };

/**
 * What every worker of a channel kind shares about one endpoint (one small item per endpoint, written
 * only when its circuit opens or closes): a worker adopts an opening it did not see itself.
 */
export interface SharedCircuit {
  endpoint: string;
  /** `paused`: failing for longer than `pauseAfterMs`; nothing goes out but a probe (domain/pause.ts). */
  state: 'open' | 'closed' | 'paused';
  /** When it opened (epoch ms), or closed; the later write of two wins. */
  at: number;
  openMs: number;
  /**
   * When the endpoint's current run of failures began (epoch ms): written with an opening, carried by
   * later openings and the pause, gone with the closing. What the pause is measured from, at no write
   * per success.
   */
  failingSince?: number;
}

interface Circuit {
  state: CircuitState;
  failures: number;
  /** 5xx answers in a row. */
  serverErrors: number;
  openedAt: number;
  openMs: number;
  /** When the half-open probe went out; a probe that never reports back is given up after openMs. */
  probeAt: number | undefined;
  /** The first failure since the last success (here or adopted from another worker's opening). */
  failingSince: number | undefined;
}

/**
 * One circuit per endpoint (an origin), in the memory of one worker. Closed: calls go through and
 * consecutive failures are counted. Open: calls are refused until the open time has passed. Half-open:
 * one probe goes through; its success closes the circuit, its failure opens it for twice as long.
 */
export class CircuitBreakers {
  readonly #circuits = new Map<string, Circuit>();
  /** Per endpoint, the latest transition this worker made or adopted: older shared states are stale. */
  readonly #seen = new Map<string, number>();

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

  /**
   * The endpoint answered with a status that shows it is up and working (2xx, 4xx). Returns the shared
   * state to write when this closes a circuit that was open or half-open (a transition), else undefined.
   */
  recordSuccess(endpoint: string, now = 0): SharedCircuit | undefined {
    const c = this.#circuits.get(endpoint);
    this.#circuits.delete(endpoint);
    if (!c || c.state === CIRCUIT_STATE.closed) return undefined;
    this.#seen.set(endpoint, now);
    return { endpoint, state: 'closed', at: now, openMs: this.policy.openMs };
  }

  /**
   * The endpoint did not answer; opens the circuit at the threshold or on a failed probe. Returns the
   * shared state to write when the circuit opened (a transition), else undefined.
   */
  recordFailure(endpoint: string, now: number): SharedCircuit | undefined {
    if (this.policy.failureThreshold === 0) return undefined;
    const c = this.#circuitOf(endpoint);
    c.failingSince ??= now;
    c.failures++;
    return this.#afterBadOutcome(endpoint, c, now, c.failures >= this.policy.failureThreshold);
  }

  /** The endpoint answered 5xx; a run of them opens the circuit like failures without an answer. */
  recordServerError(endpoint: string, now: number): SharedCircuit | undefined {
    const threshold = this.policy.serverErrorThreshold ?? 5;
    if (threshold === 0) return undefined;
    const c = this.#circuitOf(endpoint);
    c.failingSince ??= now;
    c.serverErrors++;
    return this.#afterBadOutcome(endpoint, c, now, c.serverErrors >= threshold);
  }

  /**
   * Takes in what another worker wrote: an opening newer than this worker's own state opens the
   * circuit here too; a closing newer than this worker's opening closes it.
   */
  adopt(shared: SharedCircuit): void {
    if (shared.at <= (this.#seen.get(shared.endpoint) ?? -1)) return;
    this.#seen.set(shared.endpoint, shared.at);
    if (shared.state === 'closed') {
      this.#circuits.delete(shared.endpoint);
      return;
    }
    const c = this.#circuitOf(shared.endpoint);
    c.openMs = shared.openMs;
    if (shared.failingSince !== undefined) {
      c.failingSince = Math.min(c.failingSince ?? shared.failingSince, shared.failingSince);
    }
    this.#open(c, shared.at);
  }

  /** When the endpoint's current run of failures began, as this worker knows it; undefined when it is up. */
  failingSince(endpoint: string): number | undefined {
    return this.#circuits.get(endpoint)?.failingSince;
  }

  #circuitOf(endpoint: string): Circuit {
    const c = this.#circuits.get(endpoint) ?? {
      state: CIRCUIT_STATE.closed,
      failures: 0,
      serverErrors: 0,
      openedAt: 0,
      openMs: this.policy.openMs,
      probeAt: undefined,
      failingSince: undefined,
    };
    this.#circuits.set(endpoint, c);
    return c;
  }

  #afterBadOutcome(
    endpoint: string,
    c: Circuit,
    now: number,
    runLongEnough: boolean,
  ): SharedCircuit | undefined {
    if (c.state === CIRCUIT_STATE.halfOpen) {
      c.openMs = Math.min(c.openMs * 2, this.policy.maxOpenMs);
    } else if (c.state !== CIRCUIT_STATE.closed || !runLongEnough) {
      return undefined;
    }
    this.#open(c, now);
    this.#seen.set(endpoint, now);
    return {
      endpoint,
      state: 'open',
      at: now,
      openMs: c.openMs,
      ...(c.failingSince !== undefined && { failingSince: c.failingSince }),
    };
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
