/**
 * The local runtime as the benches run it, and the feed-only agreement they measure against: one
 * place for what every part would otherwise spell out again.
 */
import { createAgreement } from '#app/create-agreement.ts';
import { type LocalLoa, type LocalOptions, startLocal } from '#infra/local/runtime.ts';

/** Starts the local runtime in `dataDir` on free ports, logging errors only; `overrides` win. */
export function startBenchLoa(dataDir: string, overrides: Partial<LocalOptions> = {}): Promise<LocalLoa> {
  return startLocal({
    dataDir,
    port: 0,
    s3Port: 0,
    dynamoPort: 0,
    opsToken: 'bench-ops-token-0123456789abcdef-local',
    contentBucket: 'loa-content',
    logLevel: 'ERROR',
    ...overrides,
  });
}

/** Creates an active agreement with one feed channel (culture and tourism, Vietnamese, valid to 2099). */
export function createFeedAgreement(deps: Parameters<typeof createAgreement>[0], agreementId: string) {
  return createAgreement(deps, {
    agreementId,
    partner: { partnerId: agreementId, name: 'Ban Truyền hình đối ngoại VTV4' },
    status: 'active',
    validFrom: '2024-01-01',
    validTo: '2099-12-31',
    topics: ['culture-tourism'],
    languages: ['vi'],
    channels: [{ type: 'feed' }],
    embargo: 'hold',
  });
}
