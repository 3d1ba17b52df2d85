/**
 * An agreement's change record: who changed what, when. What is compared is the agreement's terms
 * as operators see them — never a secret (channels are compared by id, kind and target only).
 */
import type { Agreement } from '#schemas/agreement.ts';

export interface AgreementChange {
  changeId: string;
  agreementId: string;
  at: string;
  by: string;
  /** What was asked, e.g. `PATCH /ops/agreements/{id}`. */
  action: string;
  /** Fields that changed (`topics`, `channels`, `validTo`, `status`, `feedKeys`, `credentials:<channelId>`, …). */
  fields: string[];
  /** The compared fields before and after (absent when created). */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** The fields of an agreement a change record compares, secrets excluded. */
export function trackedFields(a: Agreement): Record<string, unknown> {
  return {
    partner: a.partner,
    status: a.status,
    validFrom: a.validFrom,
    validTo: a.validTo,
    topics: a.topics,
    languages: a.languages,
    channels: a.channels.map((c) => ({
      channelId: c.channelId,
      type: c.type,
      ...(c.type === 'webhook' && { url: c.url }),
      ...(c.type === 'broadcast' && c.target === 'http' && { url: c.url }),
      ...(c.type === 'broadcast' && c.target === 's3' && { bucket: c.bucket, prefix: c.prefix }),
      ...(c.type === 'social' && { network: c.network, accountId: c.accountId }),
    })),
    embargo: a.embargo,
    feedKeys: a.feedKeys.map((k) => ({ kid: k.kid, ...(k.retiredAt && { retiredAt: k.retiredAt }) })),
    commitments: a.commitments ?? [],
    ...(a.renewalOf && { renewalOf: a.renewalOf }),
    ...(a.renewedBy && { renewedBy: a.renewedBy }),
  };
}

/** Names of the tracked fields that differ between two versions of an agreement. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}
