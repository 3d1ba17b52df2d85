/**
 * An agreement as `POST /ops/agreements` takes it, for tests that care about only some of its fields:
 * in term from 2024 on, infrastructure in Vietnamese, one feed channel, unless `fields` say otherwise.
 */
export function agreementInput(agreementId: string, fields: Record<string, unknown> = {}) {
  return {
    agreementId,
    partner: { partnerId: agreementId, name: 'Báo Hà Giang' },
    validFrom: '2024-01-01',
    validTo: '2099-12-31',
    topics: ['infrastructure'],
    languages: ['vi'],
    channels: [{ type: 'feed' }],
    ...fields,
  };
}
