import * as z from 'zod';
import { CircuitBreakerPolicy, DEFAULT_CIRCUIT_BREAKER } from '#domain/circuit-breaker.ts';
import { DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS } from '#domain/fact.ts';
import { DEFAULT_RETRY_POLICY, RetryPolicy } from '#domain/retry-policy.ts';
import { parseSourceRules, type SourceRule } from '#domain/source-buckets.ts';

const jsonRetryPolicy = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (!raw) return DEFAULT_RETRY_POLICY;
    try {
      return RetryPolicy.parse({ ...DEFAULT_RETRY_POLICY, ...JSON.parse(raw) });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `LOA_RETRY_POLICY is not a valid policy: ${String(error)}` });
      return z.NEVER;
    }
  });

/** `LOA_CIRCUIT_BREAKER`: JSON merged over the default breaker policy. */
function circuitBreakerFromEnv(raw: string | undefined): CircuitBreakerPolicy {
  if (!raw) return DEFAULT_CIRCUIT_BREAKER;
  try {
    return CircuitBreakerPolicy.parse({ ...DEFAULT_CIRCUIT_BREAKER, ...JSON.parse(raw) });
  } catch (error) {
    throw new Error(`LOA_CIRCUIT_BREAKER is not a valid policy: ${String(error)}`);
  }
}

/** Everything a handler reads from its environment, validated once at cold start. */
export const Config = z.object({
  region: z.string().default('us-east-1'),
  tableName: z.string().min(3),
  contentBucket: z.string().min(3),
  packagesBucket: z.string().min(3),
  /**
   * Where approved assets may be copied from: `bucket` or `bucket/prefix` entries. Absent: the content
   * bucket only. Anything else is a recorded rejection (docs/security.md).
   */
  sourceBuckets: z.array(z.string().min(3)).optional(),
  busName: z.string().min(1),
  /** `replay` carries operator jobs (bulk replay, backfill); only ops and the replay worker send to it. */
  queueUrls: z.object({
    webhook: z.string().min(1),
    /** Absent in a function that never sends to them (each function gets the URLs its grants allow). */
    broadcast: z.string().min(1).optional(),
    social: z.string().min(1).optional(),
    replay: z.string().min(1).optional(),
  }),
  /** Public base URL of the HTTP API: signed asset links point here. */
  publicBaseUrl: z.url(),
  /** `secretsmanager` on AWS; `file:<path>` locally. */
  secrets: z.string().regex(/^(secretsmanager|file:.+)$/),
  retryPolicy: RetryPolicy,
  /** Per-endpoint circuit breaker of the channel workers. */
  circuitBreaker: CircuitBreakerPolicy.default(DEFAULT_CIRCUIT_BREAKER),
  /**
   * Whether partner requests may go to loopback, private, link-local or metadata addresses. Off unless
   * set: on AWS that is the SSRF guard; the local runtime turns it on, its partners being on loopback.
   */
  allowPrivateTargets: z.boolean().default(false),
  /** A pending or retrying delivery this long past due, with nothing holding it, is re-enqueued by the sweeper. */
  sweepStaleAfterMs: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  assetLinkTtlSeconds: z.number().int().min(60),
  /**
   * Days a finished delivery (delivered, failed, discarded) stays in the table before DynamoDB's TTL
   * removes it; reports read the sealed facts of its day by then (docs/reports.md, "Retention").
   */
  retentionDays: z.number().int().min(MIN_RETENTION_DAYS).default(DEFAULT_RETENTION_DAYS),
  /** Service endpoints for the local runtime; absent on AWS. */
  endpoints: z
    .object({ dynamodb: z.string(), s3: z.string(), events: z.string(), sqs: z.string() })
    .partial()
    .default({}),
  /**
   * Local runtime only: the access key id Loa's own SDK clients sign with, by which the local bus tells
   * Loa's functions (who may put any `loa.*` source) from the CMS (only `loa.cms`) and everyone else.
   */
  localAccessKeyId: z.string().min(16).optional(),
  opsToken: z.string().optional(),
});
export type Config = z.infer<typeof Config>;

/** The asset sources the package function may copy from (see Config.sourceBuckets). */
export function sourceRules(config: Pick<Config, 'contentBucket' | 'sourceBuckets'>): SourceRule[] {
  return parseSourceRules(config.sourceBuckets ?? [config.contentBucket]);
}

/** Reads the configuration from the environment; throws naming each variable at fault. */
export function configFromEnv(env: NodeJS.ProcessEnv): Config {
  const retry = jsonRetryPolicy.safeParse(env.LOA_RETRY_POLICY);
  if (!retry.success) throw new Error(retry.error.issues.map((i) => i.message).join('; '));
  const endpoints = Object.fromEntries(
    Object.entries({
      dynamodb: env.LOA_ENDPOINT_DYNAMODB,
      s3: env.LOA_ENDPOINT_S3,
      events: env.LOA_ENDPOINT_EVENTS,
      sqs: env.LOA_ENDPOINT_SQS,
    }).filter(([, v]) => v),
  );
  const parsed = Config.safeParse({
    region: env.AWS_REGION,
    tableName: env.LOA_TABLE_NAME,
    contentBucket: env.LOA_CONTENT_BUCKET,
    packagesBucket: env.LOA_PACKAGES_BUCKET,
    ...(env.LOA_SOURCE_BUCKETS && { sourceBuckets: env.LOA_SOURCE_BUCKETS.split(',') }),
    busName: env.LOA_BUS_NAME,
    queueUrls: {
      webhook: env.LOA_QUEUE_URL_WEBHOOK,
      broadcast: env.LOA_QUEUE_URL_BROADCAST,
      social: env.LOA_QUEUE_URL_SOCIAL,
      replay: env.LOA_QUEUE_URL_REPLAY,
    },
    publicBaseUrl: env.LOA_PUBLIC_BASE_URL,
    secrets: env.LOA_SECRETS ?? 'secretsmanager',
    retryPolicy: retry.data,
    circuitBreaker: circuitBreakerFromEnv(env.LOA_CIRCUIT_BREAKER),
    allowPrivateTargets: env.LOA_ALLOW_PRIVATE_TARGETS === '1' || env.LOA_ALLOW_PRIVATE_TARGETS === 'true',
    ...(env.LOA_SWEEP_STALE_AFTER_SECONDS && {
      sweepStaleAfterMs: Number(env.LOA_SWEEP_STALE_AFTER_SECONDS) * 1000,
    }),
    assetLinkTtlSeconds: Number(env.LOA_ASSET_LINK_TTL_SECONDS ?? 7 * 24 * 3600),
    ...(env.LOA_RETENTION_DAYS && { retentionDays: Number(env.LOA_RETENTION_DAYS) }),
    endpoints,
    localAccessKeyId: env.LOA_LOCAL_ACCESS_KEY_ID,
    opsToken: env.LOA_OPS_TOKEN,
  });
  if (!parsed.success) {
    throw new Error(
      `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
