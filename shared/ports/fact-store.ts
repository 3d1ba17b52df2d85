import type { Fact } from '#domain/fact.ts';

/** What one listing of an agreement's ledger finds sealed. */
export interface SealedParts {
  /** Months (`yyyy-mm`) sealed whole: one object each. */
  months: string[];
  /**
   * Days (`yyyy-mm-dd`) sealed one by one, not yet compacted into their month. A day of a sealed
   * month may still be listed (a compaction cut short before it dropped its days): the month wins.
   */
  days: string[];
}

/**
 * The permanent ledger of facts of each agreement: a day is sealed once it is settled
 * (app/seal-facts.ts), and a month whose days are all sealed is compacted into one object, its day
 * objects then dropped. A report reads the month, else its sealed days, and the rest live.
 */
export interface FactLedger {
  /** The agreement's sealed months and days, in order (one listing). */
  sealed(agreementId: string): Promise<SealedParts>;
  /** The facts of one sealed month (empty when the month is not sealed). */
  read(agreementId: string, month: string): Promise<Fact[]>;
  /** Seals a month: writes its facts whole (a repeated seal overwrites with the same facts). */
  seal(agreementId: string, month: string, facts: readonly Fact[]): Promise<void>;
  /** The facts of one sealed day (empty when the day is not sealed, or had none). */
  readDay(agreementId: string, day: string): Promise<Fact[]>;
  /** Seals a day: writes its facts whole, an empty object for a day without any, so it is known sealed. */
  sealDay(agreementId: string, day: string, facts: readonly Fact[]): Promise<void>;
  /** Drops day objects (once their month is sealed whole); a day not there is no error. */
  dropDays(agreementId: string, days: readonly string[]): Promise<void>;
}
