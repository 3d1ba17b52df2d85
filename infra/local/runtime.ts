import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { buildDeps } from '#adapters/aws/build-deps.ts';
import type { ClientHook } from '#adapters/aws/clients.ts';
import type { Deps } from '#app/deps.ts';
import { recordRejection } from '#app/record-rejection.ts';
import { Config } from '#config/config.ts';
import { type CircuitBreakerPolicy, DEFAULT_CIRCUIT_BREAKER } from '#domain/circuit-breaker.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '#domain/retry-policy.ts';
import { BUS_NAME, type FunctionName, QUEUES, SUBSCRIPTIONS } from '#infra/wiring.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { createAwsApiHandler } from './aws-api.ts';
import { type BusEvent, LocalBus } from './bus.ts';
import { startEmulators } from './emulators.ts';
import { localHandlers } from './handlers.ts';
import { allowedHosts, createRequestListener, type ExtraRoute } from './http-server.ts';
import { assertUsableOpsToken } from './ops-token.ts';
import { keepDataPrivate } from './private-files.ts';
import { localPublishers, newLoaAccessKeyId } from './publishers.ts';
import { JournalQueueStore } from './queue-store.ts';
import { LocalQueues } from './queues.ts';
import { recoverUnfinished, startSweeper } from './recover.ts';

export interface LocalOptions {
  dataDir: string;
  port: number;
  s3Port: number;
  dynamoPort: number;
  opsToken: string;
  contentBucket: string;
  /** Where assets may be copied from (`bucket` or `bucket/prefix`); default the content bucket only. */
  sourceBuckets?: string[];
  retryPolicy?: Partial<RetryPolicy>;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Watches every AWS SDK request the handlers make (benchmarks count them). */
  clientHook?: ClientHook;
  /** Extra routes on the same server (the demo's partner endpoints). */
  extraRoutes?: ExtraRoute[];
  /** Sees every event the bus accepts (`npm start` prints failed deliveries from it). */
  onBusEvent?: (event: BusEvent) => void;
  /** Partner requests to loopback and private addresses (default true here: local partners are on loopback). */
  allowPrivateTargets?: boolean;
  circuitBreaker?: Partial<CircuitBreakerPolicy>;
  /** Multiplies every queue time (visibility timeout, delays): tests make whole seconds short. */
  queueTimeScale?: number;
  /** Multiplies only the queues' batching window (default 1, Lambda's; tests shorten it). */
  batchingWindowScale?: number;
  /** Times the bus delivers each event to each target (default 1); 2 exercises at-least-once. */
  busDeliveriesPerEvent?: number;
  /** The unfinished-delivery sweeper's period and staleness threshold (default every 30 s, after 60 s). */
  sweep?: { everyMs: number; staleAfterMs: number };
  /**
   * A public name (`host` or `host:port`) the server answers besides its loopback names, for a proxy in
   * front of it; every other `Host` gets 421 (DNS rebinding).
   */
  publicHost?: string;
  /** The access key id the CMS signs PutEvents with (default LOCAL_CMS_ACCESS_KEY_ID). */
  cmsAccessKeyId?: string;
  /** Told of every function invocation with its duration (benchmarks turn them into Lambda GB-seconds). */
  onInvoke?: (fn: FunctionName, durationMs: number, failed: boolean) => void;
}

export interface LocalLoa {
  baseUrl: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  opsToken: string;
  deps: Deps;
  bus: LocalBus;
  queues: LocalQueues;
  /** Resolves when the bus and queues have nothing left to do (tests and the demo wait on it). */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const TABLE = 'loa';
const PACKAGES_BUCKET = 'loa-packages';

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts Loa on one machine: dynalite and s3rver in-process, a bus speaking PutEvents and queues
 * speaking SQS on the HTTP server, and the same handlers the Lambda functions run.
 */
export async function startLocal(opts: LocalOptions): Promise<LocalLoa> {
  // Powertools Metrics writes EMF lines for CloudWatch; on this machine nobody reads them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  assertUsableOpsToken(opts.opsToken, 'the options');
  await keepDataPrivate(opts.dataDir);
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // Requests without Host reach the listener, which answers them 421 like any unknown Host.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    if (listener) listener(req, res);
    else res.writeHead(503, { 'content-type': 'text/plain' }).end('starting\n');
  });
  // Listen first: the base URL (with its port) is part of the handlers' configuration.
  const port = await listen(server, opts.port);
  const baseUrl = `http://127.0.0.1:${port}`;
  const emulators = await startEmulators({
    dataDir: opts.dataDir,
    dynamoPort: opts.dynamoPort,
    s3Port: opts.s3Port,
    tableName: TABLE,
    buckets: [opts.contentBucket, PACKAGES_BUCKET],
    log: (line) => process.stderr.write(`${line}\n`),
  });

  let invoke: (fn: FunctionName, event: unknown) => Promise<unknown> = async () => undefined;
  // Like EventBridge and SQS, the bus and queues keep what they accepted in the data folder.
  const logger = new Logger({ serviceName: 'loa', logLevel: opts.logLevel ?? 'WARN' });
  let deps: Deps;
  const loaKeyId = newLoaAccessKeyId();
  const bus = new LocalBus({
    busName: BUS_NAME,
    publishers: localPublishers(loaKeyId, opts.cmsAccessKeyId),
    logger: {
      warn: (message, extra) => logger.warn(message, { ...extra }),
      error: (message, extra) => logger.error(message, { ...extra }),
    },
    subscriptions: SUBSCRIPTIONS,
    invoke: (fn, e) => invoke(fn, e),
    journalPath: join(opts.dataDir, 'bus', 'journal.jsonl'),
    deliveriesPerEvent: opts.busDeliveriesPerEvent ?? 1,
    ...(opts.onBusEvent && { onEvent: opts.onBusEvent }),
    // Recorded where operators look for refused events; deps exist once the config is read below.
    announcements: [{ source: SOURCE.delivery, detailType: DETAIL_TYPE.deliveryFailed }],
    onUnhandled: async (event, problem) => {
      await recordRejection(deps, 'bus', event, [problem]);
    },
  });
  const queueStore = new JournalQueueStore(
    join(opts.dataDir, 'queues', 'journal.jsonl'),
    QUEUES.map((q) => q.name),
  );
  const queues = new LocalQueues({
    specs: QUEUES,
    baseUrl,
    invoke: (fn, e) => invoke(fn, e),
    store: queueStore,
    ...(opts.queueTimeScale !== undefined && { timeScale: opts.queueTimeScale }),
    ...(opts.batchingWindowScale !== undefined && { batchingWindowScale: opts.batchingWindowScale }),
  });
  const config = Config.parse({
    tableName: TABLE,
    contentBucket: opts.contentBucket,
    packagesBucket: PACKAGES_BUCKET,
    ...(opts.sourceBuckets && { sourceBuckets: opts.sourceBuckets }),
    busName: BUS_NAME,
    queueUrls: {
      webhook: queues.queueUrl('webhook'),
      broadcast: queues.queueUrl('broadcast'),
      social: queues.queueUrl('social'),
      replay: queues.queueUrl('replay'),
    },
    publicBaseUrl: baseUrl,
    secrets: `file:${join(opts.dataDir, 'secrets.json')}`,
    retryPolicy: { ...DEFAULT_RETRY_POLICY, ...opts.retryPolicy },
    circuitBreaker: { ...DEFAULT_CIRCUIT_BREAKER, ...opts.circuitBreaker },
    allowPrivateTargets: opts.allowPrivateTargets ?? true,
    assetLinkTtlSeconds: 7 * 24 * 3600,
    endpoints: {
      dynamodb: emulators.dynamoEndpoint,
      s3: emulators.s3Endpoint,
      events: baseUrl,
      sqs: baseUrl,
    },
    opsToken: opts.opsToken,
    localAccessKeyId: loaKeyId,
  });
  deps = buildDeps(config, { logger }, opts.clientHook);
  const handlers = localHandlers(() => deps);
  invoke = (fn, event) =>
    handlers[fn](event, { functionName: fn, awsRequestId: crypto.randomUUID() } as Context);
  const { onInvoke } = opts;
  if (onInvoke) {
    const untimed = invoke;
    invoke = async (fn, event) => {
      const started = performance.now();
      let failed = true;
      try {
        const result = await untimed(fn, event);
        failed = false;
        return result;
      } finally {
        onInvoke(fn, performance.now() - started, failed);
      }
    };
  }

  const awsApi = createAwsApiHandler({ bus, queues });
  listener = createRequestListener({
    // What PutEvents or SendMessage accepted is on disk before the caller hears so.
    aws: async (req, body) => {
      const answer = await awsApi(req, body);
      if (answer?.status === 200) await Promise.all([bus.sync(), queueStore.sync()]);
      return answer;
    },
    handlers,
    opsToken: opts.opsToken,
    logger,
    extraRoutes: opts.extraRoutes ?? [],
    hosts: allowedHosts(port, opts.publicHost),
  });
  // Deliveries no journaled message holds are put back before the queues run, then the events left
  // over from the last run are delivered again (at least once, as EventBridge does).
  await recoverUnfinished(deps, queues);
  queues.start();
  bus.resume();
  const sweeper = startSweeper(deps, queues, opts.sweep ?? { everyMs: 30_000, staleAfterMs: 60_000 });

  const settled = async () => {
    // Work moves bus → queue → bus: wait until both are quiet twice in a row.
    for (let quiet = 0; quiet < 2; ) {
      await bus.idle();
      await queues.idle();
      await new Promise((r) => setTimeout(r, 20));
      const busy = QUEUES.some((q) => {
        const s = queues.stats(q.name);
        return s.visible + s.inFlight + s.delayed > 0;
      });
      quiet = busy ? 0 : quiet + 1;
    }
  };

  return {
    baseUrl,
    s3Endpoint: emulators.s3Endpoint,
    dynamoEndpoint: emulators.dynamoEndpoint,
    opsToken: opts.opsToken,
    deps,
    bus,
    queues,
    settled,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await sweeper.stop();
      await queues.stop();
      await bus.close();
      queueStore.close();
      (deps.http as { close?: () => void }).close?.();
      await emulators.stop();
    },
  };
}
