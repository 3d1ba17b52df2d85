import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { buildDeps } from '#adapters/aws/build-deps.ts';
import type { Deps } from '#app/deps.ts';
import { Config } from '#config/config.ts';
import { DEFAULT_RETRY_POLICY } from '#domain/retry-policy.ts';
import type { WorkMessage } from '#ports/work-queue.ts';
import type { OutgoingEvent } from '#schemas/events.ts';

/** One secrets folder per test process, removed when it exits. */
const secretsDir = mkdtempSync(join(tmpdir(), 'loa-secrets-'));
process.once('exit', () => rmSync(secretsDir, { recursive: true, force: true }));
let files = 0;

export interface Recorded {
  events: OutgoingEvent[];
  enqueued: { messages: WorkMessage[]; delaySeconds: number }[];
}

/**
 * Real adapters on dynalite/s3rver (or DynamoDB Local) for the stores; the bus and queue are
 * recorders, since these tests look at one handler at a time.
 */
export async function integrationDeps(opts: {
  dynamoEndpoint: string;
  s3Endpoint: string;
  tableName: string;
  now?: () => Date;
}): Promise<{ deps: Deps; recorded: Recorded }> {
  const recorded: Recorded = { events: [], enqueued: [] };
  const config = Config.parse({
    tableName: opts.tableName,
    contentBucket: 'loa-content',
    packagesBucket: 'loa-packages',
    busName: 'loa',
    queueUrls: { webhook: 'http://127.0.0.1:9/000000000000/loa-webhook' },
    publicBaseUrl: 'http://loa.test',
    secrets: `file:${join(secretsDir, `secrets-${++files}.json`)}`,
    retryPolicy: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, factor: 2, maxAttempts: 3, timeoutMs: 1000 },
    assetLinkTtlSeconds: 3600,
    // The partners of these tests listen on loopback.
    allowPrivateTargets: true,
    endpoints: { dynamodb: opts.dynamoEndpoint, s3: opts.s3Endpoint },
  });
  const deps = buildDeps(config, {
    logger: new Logger({ serviceName: 'loa-test', logLevel: 'SILENT' }),
    publisher: { publish: async (events) => void recorded.events.push(...events) },
    queue: {
      enqueue: async (_channel, messages, delaySeconds = 0) =>
        void recorded.enqueued.push({ messages, delaySeconds }),
    },
    ...(opts.now && { clock: { now: opts.now } }),
  });
  return { deps, recorded };
}
