import type { Agreement } from '#schemas/agreement.ts';

/** Where agreements live. */
export interface AgreementStore {
  /** Creates an agreement; throws ConflictError if the id is taken. */
  create(agreement: Agreement): Promise<void>;
  get(agreementId: string): Promise<Agreement | undefined>;
  /**
   * Replaces an agreement if it is unchanged since it was read (its updatedAt is still
   * `expectedUpdatedAt`); throws ConflictError when someone else changed or removed it first.
   */
  update(agreement: Agreement, expectedUpdatedAt: string): Promise<void>;
  /** Agreements with status `active` (term and topics are checked by routing). */
  listActive(): Promise<Agreement[]>;
  list(): Promise<Agreement[]>;
}
