/**
 * Deps made of in-memory ports, for use-case and handler unit tests: every port works (no casts, no
 * `undefined` at a call the test did not foresee), and tests replace the ones they script.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Deps } from '#app/deps.ts';
import { Config } from '#config/config.ts';
import { DEFAULT_RETRY_POLICY } from '#domain/retry-policy.ts';
import { MemoryDeliveryQueries, MemoryDeliveryStore, MemoryFeedIndex } from './deliveries.ts';
import {
  MemoryAgreementHistory,
  MemoryAgreementStore,
  MemoryFactLedger,
  MemoryJobStore,
  MemoryPackageStore,
  MemoryRejectionStore,
  MemorySecretStore,
  RecordingHttpClient,
  RecordingJobQueue,
  RecordingPublisher,
  RecordingQueue,
} from './ports.ts';
import { MemoryReplayLog, MemoryRoutingLog, MemoryWithdrawalStore } from './records.ts';

/** When memory deps' clock stands, unless a test moves it. */
export const MEMORY_NOW = new Date('2026-03-01T08:00:00Z');

/** A valid configuration for unit tests, `overrides` parsed in. */
export function testConfig(overrides: Record<string, unknown> = {}): Config {
  return Config.parse({
    tableName: 'loa',
    contentBucket: 'loa-content',
    packagesBucket: 'loa-packages',
    busName: 'loa',
    queueUrls: { webhook: 'q' },
    publicBaseUrl: 'http://loa.test',
    secrets: 'file:/nowhere',
    retryPolicy: DEFAULT_RETRY_POLICY,
    assetLinkTtlSeconds: 3600,
    ...overrides,
  });
}

/** The in-memory ports with their concrete types, so tests can read what they hold. */
export function memoryPorts() {
  const deliveries = new MemoryDeliveryStore();
  const routing = new MemoryRoutingLog();
  deliveries.routing = routing;
  return {
    agreements: new MemoryAgreementStore(),
    history: new MemoryAgreementHistory(),
    deliveries,
    deliveryQueries: new MemoryDeliveryQueries(deliveries),
    feedIndex: new MemoryFeedIndex(deliveries),
    withdrawals: new MemoryWithdrawalStore(),
    routing,
    replays: new MemoryReplayLog(),
    packages: new MemoryPackageStore(),
    publisher: new RecordingPublisher(),
    queue: new RecordingQueue(),
    secrets: new MemorySecretStore(),
    http: new RecordingHttpClient(async () => {
      throw new Error('no partner answers in this test: give memoryDeps an http');
    }),
    rejections: new MemoryRejectionStore(),
    jobStore: new MemoryJobStore(),
    jobs: new RecordingJobQueue(),
    facts: new MemoryFactLedger(),
  };
}

export type MemoryPorts = ReturnType<typeof memoryPorts>;

/** Deps over fresh in-memory ports (and `ports`, when a test keeps hold of them), `overrides` last. */
export function memoryDeps(overrides: Partial<Deps> = {}, ports: MemoryPorts = memoryPorts()): Deps {
  return {
    config: testConfig(),
    ...ports,
    clock: { now: () => MEMORY_NOW },
    logger: new Logger({ serviceName: 'loa-test', logLevel: 'SILENT' }),
    ...overrides,
  };
}
