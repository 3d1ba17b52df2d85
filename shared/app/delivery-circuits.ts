import { CircuitBreakers, type SharedCircuit } from '#domain/circuit-breaker.ts';
import type { Delivery } from '#domain/delivery.ts';
import { TtlCache } from '#domain/ttl-cache.ts';
import type { ChannelOutcome } from '#ports/channel-adapter.ts';
import type { Deps } from './deps.ts';
import { pauseIfDue, probeSucceeded, type Remember } from './pause-gate.ts';

/** Shared circuits as this worker last read them: each endpoint at most once per 2 s. */
const SHARED_CIRCUIT_TTL_MS = 2_000;

/**
 * A worker's circuits: its own breakers (one set per worker, i.e. per cold start or local runtime),
 * and the circuits the channel's workers share (deps.circuits), read through a short cache.
 */
export class DeliveryCircuits {
  readonly breakers: CircuitBreakers;
  readonly #shared: TtlCache<SharedCircuit | undefined>;
  /** Keeps a circuit this worker just wrote, so its next messages act on it without waiting for the cache. */
  readonly remember: Remember = (circuit) => this.#shared.set(circuit.endpoint, circuit);

  constructor(private readonly deps: Deps) {
    this.breakers = new CircuitBreakers(deps.config.circuitBreaker);
    this.#shared = new TtlCache({
      ttlMs: SHARED_CIRCUIT_TTL_MS,
      maxEntries: 1_000,
      now: () => deps.clock.now().getTime(),
    });
  }

  /** The endpoint's shared circuit (adopted by this worker's breakers), or undefined when none is shared. */
  async read(endpoint: string): Promise<SharedCircuit | undefined> {
    const store = this.deps.circuits;
    if (!store) return undefined;
    let shared = await this.#shared.getOrLoad(endpoint, () => store.get(endpoint));
    if (shared?.state === 'paused') {
      // Paused: read afresh (only while paused, when nothing is sent), so a resume is seen at once.
      shared = await store.get(endpoint);
      this.#shared.set(endpoint, shared);
    }
    if (shared) this.breakers.adopt(shared);
    return shared;
  }

  /**
   * After an answer (or none): failures without an answer hold a worker, and a run of 5xx answers
   * shows a partner that is up but broken; either opens the circuit, any other answer closes it.
   * Transitions are shared; an opening past `pauseAfterMs` of failures is written as the pause instead.
   * The probe of a paused endpoint: a success resumes it, a failure leaves it paused (nothing written).
   */
  async afterAnswer(
    d: Delivery,
    endpoint: string,
    outcome: ChannelOutcome,
    probeOf: SharedCircuit | undefined,
  ): Promise<void> {
    const { deps, breakers, remember } = this;
    const at = deps.clock.now().getTime();
    const bad = outcome.noAnswer || (outcome.httpStatus !== undefined && outcome.httpStatus >= 500);
    if (probeOf?.state === 'paused') {
      if (!bad) await probeSucceeded(deps, breakers, d, endpoint, at, remember);
      return;
    }
    const transition = outcome.noAnswer
      ? breakers.recordFailure(endpoint, at)
      : bad
        ? breakers.recordServerError(endpoint, at)
        : breakers.recordSuccess(endpoint, at);
    const paused = transition?.state === 'open' && (await pauseIfDue(deps, breakers, endpoint, at, remember));
    if (transition && !paused) await this.#share(transition);
  }

  /** Writes a circuit's transition for the other workers; best effort: the local circuit holds anyway. */
  async #share(transition: SharedCircuit): Promise<void> {
    if (!this.deps.circuits) return;
    try {
      await this.deps.circuits.put(transition);
    } catch (error) {
      this.deps.logger.warn('circuit transition not shared', { endpoint: transition.endpoint, error });
    }
  }
}
