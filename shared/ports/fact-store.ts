import type { Fact } from '#domain/fact.ts';

/**
 * The permanent ledger of facts, one sealed partition per agreement and month. A partition is written
 * once, whole, when its month is closed (app/seal-facts.ts); until then reports read live deliveries.
 */
export interface FactLedger {
  /** The months (`yyyy-mm`) of the agreement already sealed. */
  sealedMonths(agreementId: string): Promise<string[]>;
  /** The facts of one sealed month (empty when the month is not sealed). */
  read(agreementId: string, month: string): Promise<Fact[]>;
  /** Seals a month: writes its facts whole (a repeated seal overwrites with the same facts). */
  seal(agreementId: string, month: string, facts: readonly Fact[]): Promise<void>;
}
