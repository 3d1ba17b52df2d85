/**
 * Every change of an agreement, recorded with who and when (the ops API records each successful
 * change it makes: functions/ops/history.ts). Also: reading the history, and renewals.
 */
import { randomUUID } from 'node:crypto';
import { type AgreementChange, changedFields, trackedFields } from '#domain/agreement-change.ts';
import { NotFoundError } from '#domain/errors.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Deps } from '../deps.ts';
import { type RenewInput, renewAgreement } from '../renew-agreement.ts';

/** Records one change of an agreement: who, when, which fields, and the tracked fields before and after. */
async function recordAgreementChange(
  deps: Deps,
  a: { agreementId: string; by: string; action: string; fields: string[] },
  before?: Agreement,
  after?: Agreement,
) {
  const change: AgreementChange = {
    changeId: randomUUID(),
    agreementId: a.agreementId,
    at: deps.clock.now().toISOString(),
    by: a.by,
    action: a.action,
    fields: a.fields,
    ...(before && { before: trackedFields(before) }),
    ...(after && { after: trackedFields(after) }),
  };
  await deps.history.record(change);
}

/**
 * Records what an operator's call changed on an agreement, compared with `before` (secrets never
 * compared); a credentials replacement (`channelId`) is recorded by name only. Nothing changed, nothing recorded.
 */
export async function recordChangeSince(
  deps: Deps,
  change: { agreementId: string; by: string; action: string; channelId?: string | undefined },
  before: Agreement | undefined,
): Promise<void> {
  const after = await deps.agreements.get(change.agreementId);
  const fields = change.channelId
    ? [`credentials:${change.channelId}`]
    : changedFields(before ? trackedFields(before) : {}, after ? trackedFields(after) : {});
  if (fields.length === 0) return;
  await recordAgreementChange(
    deps,
    { agreementId: change.agreementId, by: change.by, action: change.action, fields },
    before,
    after,
  );
}

/** An agreement's changes, newest first; NotFoundError for an unknown agreement. */
export async function agreementHistory(
  deps: Pick<Deps, 'agreements' | 'history'>,
  agreementId: string,
  limit: number,
) {
  if (!(await deps.agreements.get(agreementId)))
    throw new NotFoundError(`agreement ${agreementId} not found`);
  return deps.history.list(agreementId, limit);
}

/** Renews an agreement (the next term as a linked agreement) and records the new one's creation by `who`. */
export async function renewAndRecord(deps: Deps, agreementId: string, input: RenewInput, who: string) {
  const { renewed } = await renewAgreement(deps, agreementId, input);
  await recordAgreementChange(
    deps,
    {
      agreementId: renewed.agreementId,
      by: who,
      action: `renewal of ${agreementId}`,
      fields: Object.keys(trackedFields(renewed)).sort(),
    },
    undefined,
    renewed,
  );
  return renewed;
}
