/**
 * Who listens to what. Read by the CDK stack and by the local runtime, so a handler wired
 * locally is wired identically on AWS.
 */
import { MAX_RECEIVES } from '#ports/work-queue.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';

export const BUS_NAME = 'loa';

export type FunctionName =
  | 'package'
  | 'route'
  | 'deliver-webhook'
  | 'deliver-broadcast'
  | 'deliver-social'
  | 'ops'
  | 'assets'
  | 'feeds'
  | 'withdraw'
  | 'sweep'
  | 'replay'
  | 'seal-facts';

export interface FunctionSpec {
  /** Handler file, relative to the repo root; it exports `handler`. */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Caps concurrency where a partner must not be flooded. */
  reservedConcurrency?: number;
}

export const FUNCTIONS: Record<FunctionName, FunctionSpec> = {
  package: { entry: 'functions/package/handler.ts', memoryMb: 512, timeoutSeconds: 60 },
  route: { entry: 'functions/route/handler.ts', memoryMb: 256, timeoutSeconds: 30 },
  'deliver-webhook': {
    entry: 'functions/deliver-webhook/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 20,
  },
  // Streams media to partners' ingest: minutes for a large video, memory for the upload's parts.
  'deliver-broadcast': {
    entry: 'functions/deliver-broadcast/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 900,
    reservedConcurrency: 5,
  },
  // Networks rate-limit per account and app: few workers, each one short call.
  'deliver-social': {
    entry: 'functions/deliver-social/handler.ts',
    memoryMb: 256,
    timeoutSeconds: 30,
    reservedConcurrency: 5,
  },
  ops: { entry: 'functions/ops/handler.ts', memoryMb: 256, timeoutSeconds: 29 },
  assets: { entry: 'functions/assets/handler.ts', memoryMb: 256, timeoutSeconds: 10 },
  // Memory buys CPU for rendering; the warm cache of manifests and pages lives in it too.
  feeds: { entry: 'functions/feeds/handler.ts', memoryMb: 512, timeoutSeconds: 10 },
  withdraw: { entry: 'functions/withdraw/handler.ts', memoryMb: 256, timeoutSeconds: 30 },
  // Re-enqueues deliveries whose message was lost (see SCHEDULES and docs/reliability.md).
  sweep: { entry: 'functions/sweep/handler.ts', memoryMb: 256, timeoutSeconds: 60, reservedConcurrency: 1 },
  // Operator jobs (bulk replay, backfill): each run works ~45 s at the job's rate, then queues its sequel.
  replay: { entry: 'functions/replay/handler.ts', memoryMb: 256, timeoutSeconds: 60 },
  // Seals settled days of every agreement into the fact ledger that reports read, and compacts closed
  // months (docs/reports.md).
  'seal-facts': {
    entry: 'functions/seal-facts/handler.ts',
    memoryMb: 512,
    timeoutSeconds: 900,
    reservedConcurrency: 1,
  },
};

/** A function run on a timer (an EventBridge schedule on AWS; a timer in the local runtime). */
export interface Schedule {
  /** Rule (or EventBridge Scheduler schedule) name. */
  name: string;
  /** An EventBridge schedule expression. */
  expression: `rate(${string})` | `cron(${string})`;
  /** The same period in seconds, for the local runtime's timer. */
  everySeconds: number;
  target: FunctionName;
}

export const SCHEDULES: Schedule[] = [
  { name: 'sweep-unfinished', expression: 'rate(5 minutes)', everySeconds: 300, target: 'sweep' },
  { name: 'seal-facts-daily', expression: 'rate(1 day)', everySeconds: 86_400, target: 'seal-facts' },
];

/** An EventBridge event pattern, in the subset both runtimes implement: exact-match arrays. */
export interface EventPattern {
  source: string[];
  'detail-type': string[];
}

export interface Subscription {
  /** Rule name on the bus. */
  rule: string;
  pattern: EventPattern;
  target: FunctionName;
}

export const SUBSCRIPTIONS: Subscription[] = [
  {
    rule: 'package-on-approval',
    pattern: { source: [SOURCE.cms], 'detail-type': [DETAIL_TYPE.contentApproved] },
    target: 'package',
  },
  {
    rule: 'route-on-package-ready',
    pattern: { source: [SOURCE.package], 'detail-type': [DETAIL_TYPE.packageReady] },
    target: 'route',
  },
  {
    rule: 'withdraw-on-content-withdrawn',
    pattern: { source: [SOURCE.cms], 'detail-type': [DETAIL_TYPE.contentWithdrawn] },
    target: 'withdraw',
  },
];

export type QueueName = 'webhook' | 'broadcast' | 'social' | 'replay';

export interface QueueSpec {
  name: QueueName;
  consumer: FunctionName;
  /** ≥ 6 × the consumer's timeout, as AWS advises for event source mappings. */
  visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the dead-letter queue. */
  maxReceiveCount: number;
  batchSize: number;
  /**
   * How long the event source mapping gathers a batch short of batchSize (Lambda requires at least
   * 1 s when batchSize is over 10); none hands what is there at once.
   */
  maxBatchingWindowSeconds?: number;
}

export const QUEUES: QueueSpec[] = [
  {
    // 20 records run at once per worker (functions/deliver.ts): twice the deliveries per invocation
    // of 10, for a batch short of 20 waiting up to 1 s (docs/benchmarks.md, concurrency).
    name: 'webhook',
    consumer: 'deliver-webhook',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: MAX_RECEIVES,
    batchSize: 20,
    maxBatchingWindowSeconds: 1,
  },
  {
    // One package per message: an upload of a large video may take most of the function's 15 minutes.
    name: 'broadcast',
    consumer: 'deliver-broadcast',
    visibilityTimeoutSeconds: 5400,
    maxReceiveCount: MAX_RECEIVES,
    batchSize: 1,
  },
  {
    name: 'social',
    consumer: 'deliver-social',
    visibilityTimeoutSeconds: 180,
    maxReceiveCount: MAX_RECEIVES,
    batchSize: 10,
  },
  {
    // One job message at a time: a run paces itself, and a lease on the job item keeps runs apart.
    name: 'replay',
    consumer: 'replay',
    visibilityTimeoutSeconds: 360,
    maxReceiveCount: 5,
    batchSize: 1,
  },
];

export interface HttpRoute {
  method: 'GET' | 'POST' | 'ANY';
  /** API Gateway v2 route path. */
  path: string;
  target: FunctionName;
  /** `iam` on AWS; locally, a bearer token. `none` routes check a URL signature in the handler. */
  auth: 'iam' | 'none';
}

export const HTTP_ROUTES: HttpRoute[] = [
  { method: 'ANY', path: '/ops/{proxy+}', target: 'ops', auth: 'iam' },
  { method: 'GET', path: '/assets/{agreementId}/{assetId}', target: 'assets', auth: 'none' },
  // `{file}` is `<agreementId>.<format>`: API Gateway path variables are whole segments.
  { method: 'GET', path: '/feeds/{file}', target: 'feeds', auth: 'none' },
];
