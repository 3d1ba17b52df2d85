import type { SharedCircuit } from '#domain/circuit-breaker.ts';

/**
 * Where the workers of every channel kind share their circuits: one small item per endpoint, written
 * only when a circuit opens or closes, read (cached for seconds) before a call.
 */
export interface CircuitStore {
  get(endpoint: string): Promise<SharedCircuit | undefined>;
  /** Writes a transition unless a later one is already stored; false when it was older. */
  put(circuit: SharedCircuit): Promise<boolean>;
  /** Writes `next` only if the stored state is still `expected` (same `at`); false when it moved. */
  replace(expected: SharedCircuit, next: SharedCircuit): Promise<boolean>;
}
