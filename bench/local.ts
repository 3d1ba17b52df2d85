/**
 * The local runtime as the benches run it, and the feed-only agreement they measure against: one
 * place for what every part would otherwise spell out again.
 */
import { createAgreement } from '#app/create-agreement.ts';
import { type LocalLoa, type LocalOptions, startLocal } from '#infra/local/runtime.ts';
import type { SecretStore } from '#ports/secret-store.ts';

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

/** Invocations per function: how many, their handler time in all, and how many failed. */
export type InvocationTimes<K extends string = string> = Map<
  K,
  { count: number; ms: number; failed: number }
>;

/**
 * An `onInvoke` for startBenchLoa that adds each invocation to `times` while `timing()` says so (the
 * counted phase), and the map it fills.
 */
export function invocationTimer<K extends string>(timing: () => boolean) {
  const times: InvocationTimes<K> = new Map();
  const onInvoke = (name: K, ms: number, failed: boolean) => {
    if (!timing()) return;
    const i = times.get(name) ?? { count: 0, ms: 0, failed: 0 };
    times.set(name, { count: i.count + 1, ms: i.ms + ms, failed: i.failed + (failed ? 1 : 0) });
  };
  return { times, onInvoke };
}

/**
 * Wraps the runtime's secret store so every read made while `counting()` is pushed to `reads` (locally
 * a file, on AWS a Secrets Manager call behind each container's cache).
 */
export function countSecretReads(loa: LocalLoa, counting: () => boolean, reads: string[]): void {
  const inner: SecretStore = loa.deps.secrets;
  loa.deps.secrets = {
    get: (ref) => {
      if (counting()) reads.push(ref);
      return inner.get(ref);
    },
    put: (ref, value) => inner.put(ref, value),
  };
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
