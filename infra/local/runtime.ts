import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { buildDeps } from '#adapters/aws/build-deps.ts';
import type { ClientHook } from '#adapters/aws/clients.ts';
import type { Deps } from '#app/deps.ts';
import { Config } from '#config/config.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '#domain/retry-policy.ts';
import { BUS_NAME, type FunctionName, QUEUES, SUBSCRIPTIONS } from '#infra/wiring.ts';
import { createAwsApiHandler } from './aws-api.ts';
import { LocalBus } from './bus.ts';
import { startEmulators } from './emulators.ts';
import { localHandlers } from './handlers.ts';
import { createRequestListener, type ExtraRoute } from './http-server.ts';
import { LocalQueues } from './queues.ts';
import { recoverUnfinished } from './recover.ts';

export interface LocalOptions {
  dataDir: string;
  port: number;
  s3Port: number;
  dynamoPort: number;
  opsToken: string;
  contentBucket: string;
  retryPolicy?: Partial<RetryPolicy>;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Watches every AWS SDK request the handlers make (benchmarks count them). */
  clientHook?: ClientHook;
  /** Extra routes on the same server (the demo's partner endpoints). */
  extraRoutes?: ExtraRoute[];
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
  let listener: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
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
  });

  let invoke: (fn: FunctionName, event: unknown) => Promise<unknown> = async () => undefined;
  const bus = new LocalBus({
    busName: BUS_NAME,
    subscriptions: SUBSCRIPTIONS,
    invoke: (fn, e) => invoke(fn, e),
  });
  const queues = new LocalQueues({ specs: QUEUES, baseUrl, invoke: (fn, e) => invoke(fn, e) });
  const config = Config.parse({
    tableName: TABLE,
    contentBucket: opts.contentBucket,
    packagesBucket: PACKAGES_BUCKET,
    busName: BUS_NAME,
    queueUrls: { webhook: queues.queueUrl('webhook') },
    publicBaseUrl: baseUrl,
    secrets: `file:${join(opts.dataDir, 'secrets.json')}`,
    retryPolicy: { ...DEFAULT_RETRY_POLICY, ...opts.retryPolicy },
    assetLinkTtlSeconds: 7 * 24 * 3600,
    endpoints: {
      dynamodb: emulators.dynamoEndpoint,
      s3: emulators.s3Endpoint,
      events: baseUrl,
      sqs: baseUrl,
    },
    opsToken: opts.opsToken,
  });
  const logger = new Logger({ serviceName: 'loa', logLevel: opts.logLevel ?? 'WARN' });
  const deps = buildDeps(config, { logger }, opts.clientHook);
  const handlers = localHandlers(() => deps);
  invoke = (fn, event) =>
    handlers[fn](event, { functionName: fn, awsRequestId: crypto.randomUUID() } as Context);

  listener = createRequestListener({
    aws: createAwsApiHandler({ bus, queues }),
    handlers,
    opsToken: opts.opsToken,
    logger,
    extraRoutes: opts.extraRoutes ?? [],
  });
  queues.start();
  await recoverUnfinished(deps);

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
      await queues.stop();
      await bus.close();
      await emulators.stop();
    },
  };
}
