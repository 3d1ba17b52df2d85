import type { AgreementChange } from '#domain/agreement-change.ts';

/** Every change of every agreement, kept for good. */
export interface AgreementHistory {
  record(change: AgreementChange): Promise<void>;
  /** An agreement's changes, newest first. */
  list(agreementId: string, limit: number): Promise<AgreementChange[]>;
}
