/**
 * Renews an agreement: a new agreement for the next term with the same partner, topics, languages,
 * channels (the same endpoints and secret references) and commitments, linked both ways
 * (`renewalOf` / `renewedBy`). It gets a feed key of its own: feed URLs do not carry over.
 */
import * as z from 'zod';
import { InvalidInputError, NotFoundError } from '#domain/errors.ts';
import type { AgreementStore } from '#ports/agreement-store.ts';
import type { Clock } from '#ports/clock.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { Commitments } from '#schemas/report.ts';
import { slug } from '#schemas/text.ts';
import { newFeedKey } from './feed-keys.ts';

export const RenewInput = z
  .object({
    agreementId: slug('agreementId').optional(),
    validFrom: z.iso.date(),
    validTo: z.iso.date(),
    commitments: Commitments.optional(),
  })
  .strict()
  .refine((r) => r.validFrom <= r.validTo, { path: ['validTo'], message: 'must not be before validFrom' });
export type RenewInput = z.infer<typeof RenewInput>;

/** `vtv4-hagiang-2024` renewed from 2027 → `vtv4-hagiang-2027`; other ids get the year appended. */
const nextId = (id: string, validFrom: string) => `${id.replace(/-\d{4}$/, '')}-${validFrom.slice(0, 4)}`;

export async function renewAgreement(
  deps: { agreements: AgreementStore; secrets: SecretStore; clock: Clock },
  agreementId: string,
  input: RenewInput,
): Promise<{ renewed: Agreement; previous: Agreement }> {
  const old = await deps.agreements.get(agreementId);
  if (!old) throw new NotFoundError(`agreement ${agreementId} not found`);
  const problems: string[] = [];
  if (old.renewedBy) problems.push(`agreementId: ${agreementId} was already renewed by ${old.renewedBy}`);
  // Terms must not overlap, or an article would go twice to the partner.
  if (input.validFrom <= old.validTo)
    problems.push(`validFrom: must be after the renewed term's end, ${old.validTo}`);
  const id = input.agreementId ?? nextId(agreementId, input.validFrom);
  if (id === agreementId) problems.push('agreementId: must differ from the renewed agreement');
  const commitments = input.commitments ?? old.commitments;
  commitments?.forEach((c, i) => {
    if (!old.topics.includes(c.topic))
      problems.push(`commitments.${i}.topic: ${c.topic} is not a topic of the agreement`);
  });
  if (problems.length > 0) throw new InvalidInputError('cannot renew', problems);
  const at = deps.clock.now().toISOString();
  const feedKey = await newFeedKey(deps.secrets, 'k1', at);
  const renewed: Agreement = {
    ...old,
    agreementId: id,
    status: 'active',
    validFrom: input.validFrom,
    validTo: input.validTo,
    feedKeys: [feedKey],
    ...(commitments && { commitments }),
    renewalOf: agreementId,
    createdAt: at,
    updatedAt: at,
  };
  delete renewed.renewedBy;
  await deps.agreements.create(renewed);
  const previous: Agreement = { ...old, renewedBy: id, updatedAt: at };
  await deps.agreements.update(previous, old.updatedAt);
  return { renewed, previous };
}
