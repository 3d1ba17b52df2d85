import { Duration } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type BucketProps,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TTL_ATTRIBUTE, tableDefinition } from '#adapters/aws/table.ts';
import type { StageConfig } from '#infra/stacks/stage.ts';

/** The one table's shape as the local runtime creates it; the stack derives its keys from this. */
const TABLE_SHAPE = tableDefinition('loa');

function attribute(name: string): Attribute {
  const def = TABLE_SHAPE.AttributeDefinitions.find((a) => a.AttributeName === name);
  if (def?.AttributeType !== 'S') throw new Error(`table attribute ${name} is not declared as a string`);
  return { name, type: AttributeType.STRING };
}

function hashAndRange(schema: readonly { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[]) {
  const key = (type: 'HASH' | 'RANGE') => schema.find((k) => k.KeyType === type)?.AttributeName;
  const hash = key('HASH');
  const range = key('RANGE');
  if (!hash) throw new Error('a key schema has no HASH key');
  return { partitionKey: attribute(hash), ...(range && { sortKey: attribute(range) }) };
}

/**
 * The stateful part: the DynamoDB table (shape from tableDefinition), the content and packages
 * buckets, and the bucket their server access logs go to. Removal follows the stage.
 */
export class Storage extends Construct {
  readonly table: Table;
  readonly indexNames: string[];
  readonly logBucket: Bucket;
  readonly contentBucket: Bucket;
  readonly packagesBucket: Bucket;

  constructor(scope: Construct, id: string, stage: StageConfig) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      ...hashAndRange(TABLE_SHAPE.KeySchema),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: stage.isProd,
      removalPolicy: stage.removalPolicy,
    });
    // A table deployed before the narrower projections keeps ALL on the indexes named here
    // (`-c keepAllProjections=gsi1,gsi2,gsi3`), so a deploy changes one index at a time (docs/aws.md).
    const keepAll = new Set(
      String(this.node.tryGetContext('keepAllProjections') ?? '')
        .split(',')
        .filter(Boolean),
    );
    for (const gsi of TABLE_SHAPE.GlobalSecondaryIndexes) {
      const all = keepAll.has(gsi.IndexName);
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.IndexName,
        ...hashAndRange(gsi.KeySchema),
        projectionType: all ? ProjectionType.ALL : ProjectionType[gsi.Projection.ProjectionType],
        ...(!all &&
          'NonKeyAttributes' in gsi.Projection && { nonKeyAttributes: gsi.Projection.NonKeyAttributes }),
      });
    }
    this.indexNames = TABLE_SHAPE.GlobalSecondaryIndexes.map((i) => i.IndexName);

    // The defaults every bucket shares: SSE-S3, no public access, TLS only, bucket-owner objects.
    const common: BucketProps = {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: stage.removalPolicy,
      autoDeleteObjects: stage.autoDeleteObjects,
    };
    const abortUploads = { abortIncompleteMultipartUploadAfter: Duration.days(7) };
    this.logBucket = new Bucket(this, 'AccessLogs', {
      ...common,
      lifecycleRules: [
        { id: 'expire-logs', expiration: Duration.days(stage.isProd ? 365 : 30), ...abortUploads },
      ],
    });
    this.contentBucket = new Bucket(this, 'Content', {
      ...common,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'content/',
      lifecycleRules: [{ id: 'abort-uploads', ...abortUploads }],
    });
    this.packagesBucket = new Bucket(this, 'Packages', {
      ...common,
      versioned: true,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'packages/',
      lifecycleRules: [
        { id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(30), ...abortUploads },
        // The sealer deletes each day object once its month is compacted: the delete marker it leaves
        // is removed once the version behind it has expired, rather than kept (and listed) for ever.
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
  }
}
