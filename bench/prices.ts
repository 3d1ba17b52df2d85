/**
 * AWS list prices the cost model uses: one table, one region, one date. These are the public
 * on-demand prices of AWS's pricing pages for us-east-1 as the author knew them on the date below;
 * they were not fetched (no network here). Free tiers are ignored. Update the numbers and the date
 * from https://aws.amazon.com/pricing/ when they change: nothing else needs to move.
 */
export const PRICES = {
  region: 'us-east-1',
  asKnownOn: '2026-12-05',
  source:
    'AWS public pricing pages (list prices, on-demand, no free tier), as known on that date; not fetched',
  usd: {
    /** Lambda: per request. */
    lambdaRequest: 0.2 / 1e6,
    /** Lambda arm64 (Graviton): per GB-second, first pricing tier. */
    lambdaGbSecondArm64: 0.0000133334,
    /** Lambda x86_64: per GB-second, first tier (for reference; Loa runs arm64). */
    lambdaGbSecondX86: 0.0000166667,
    /** DynamoDB on-demand, Standard table class: per write request unit (1 KB). */
    dynamoWriteRequestUnit: 0.625 / 1e6,
    /** DynamoDB on-demand, Standard table class: per read request unit (4 KB strongly consistent, 2 × 4 KB eventually). */
    dynamoReadRequestUnit: 0.125 / 1e6,
    /** SQS Standard: per request (each 64 KB chunk of a request's payload is one request). */
    sqsRequest: 0.4 / 1e6,
    /** EventBridge: per custom event published (each 64 KB chunk is one event). */
    eventBridgeEvent: 1.0 / 1e6,
    /** EventBridge API destinations: per invocation. */
    eventBridgeApiDestinationInvocation: 0.2 / 1e6,
    /** S3 Standard: PUT, COPY, POST, LIST requests. */
    s3PutClassRequest: 0.005 / 1000,
    /** S3 Standard: GET, HEAD and other requests. */
    s3GetClassRequest: 0.0004 / 1000,
    /** Secrets Manager: per API call (GetSecretValue). */
    secretsManagerCall: 0.05 / 10_000,
    /** Secrets Manager: per secret stored, per month (prorated by the hour). */
    secretsManagerSecretMonth: 0.4,
    /** DynamoDB Standard table class: storage per GB-month (items and every index's copies, 100 bytes overhead each). */
    dynamoStorageGbMonth: 0.25,
    /** DynamoDB point-in-time recovery (continuous backups): per GB-month of table size. */
    dynamoPitrGbMonth: 0.2,
    /** S3 Standard storage: per GB-month, first 50 TB. */
    s3StandardGbMonth: 0.023,
    /** KMS: per customer managed key per month (AWS managed and AWS owned keys have no monthly fee). */
    kmsKeyMonth: 1.0,
    /** KMS: per request (symmetric keys). */
    kmsRequest: 0.03 / 10_000,
  },
  /**
   * Hosted webhook services' list prices per million messages, as issue #14 states them (not fetched):
   * Svix about $100 per million beyond its plans' included messages, Hookdeck $3.3 to $10 per million
   * events depending on plan and volume.
   */
  services: {
    asKnownOn: '2026-12-05',
    svixPerMillion: 100,
    hookdeckPerMillion: { low: 3.3, high: 10 },
  },
} as const;

/** Bytes in a GB as AWS bills storage (GB-month: 2^30 bytes). */
export const GB = 1024 ** 3;

/** S3 commands billed at the PUT/COPY/POST/LIST rate; every other S3 command is GET-class. */
export const S3_PUT_CLASS = new Set([
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
  'ListObjectsV2',
  'ListObjects',
  'PutObjectTagging',
]);
