import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { MASTER_FEED_KEY_REF, MASTER_SIGNING_KEY_REF } from '#domain/signing-keys.ts';
import type { Capability } from '#infra/stacks/access.ts';

/** Where the functions create and read partner secrets (shared/app/create-agreement.ts, shared/domain/signed-links.ts). */
export const SECRET_NAME_PREFIX = 'loa/agreements/';

/** Partners' ingest roles must be named with this prefix for the broadcast worker to assume them. */
export const INGEST_ROLE_PREFIX = 'loa-ingest-';

/** Package objects live under this prefix (shared/app/package-article.ts `packagePrefix`). */
export const PACKAGES_KEY_PREFIX = 'packages/';

export interface GrantTargets {
  table: ITable;
  indexNames: readonly string[];
  contentBucket: IBucket;
  packagesBucket: IBucket;
  bus: IEventBus;
  queues: Readonly<Record<string, IQueue>>;
}

/**
 * ARN pattern of the agreement secrets. Secrets Manager appends a random 6-character suffix to
 * every secret ARN, so a name prefix can only be granted with a trailing wildcard.
 */
function secretArnPattern(scope: Construct, name = `${SECRET_NAME_PREFIX}*`): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/**
 * The master signing key (shared/domain/signing-keys.ts) by its exact ARN: Secrets Manager's suffix is a
 * dash and six random characters, matched by `?` rather than a `*` wildcard.
 */
export const MASTER_SIGNING_KEY_SECRET = `${MASTER_SIGNING_KEY_REF}-??????`;

/** The master feed key (feed and asset link keys only), by its exact ARN in the same way. */
export const MASTER_FEED_KEY_SECRET = `${MASTER_FEED_KEY_REF}-??????`;

/** Social channels' network credentials (shared/app/create-agreement.ts `credentialsRef`), any suffix. */
export const CREDENTIALS_SECRETS = `${SECRET_NAME_PREFIX}*/channels/*/credentials*`;

/** The IAM statement of one capability: exact actions on the narrowest resources that work. */
function statementFor(scope: Construct, cap: Capability, t: GrantTargets): PolicyStatement {
  const table = t.table.tableArn;
  const packagesObjects = t.packagesBucket.arnForObjects(`${PACKAGES_KEY_PREFIX}*`);
  const statement = (actions: string[], resources: string[]) => new PolicyStatement({ actions, resources });
  switch (cap) {
    case 'table:get':
      // BatchGetItem: the delivery worker reads the deliveries of a batch's records in one request.
      return statement(['dynamodb:GetItem', 'dynamodb:BatchGetItem'], [table]);
    case 'table:query':
      // Each index by name rather than `index/*`: a new index needs a deliberate grant.
      return statement(['dynamodb:Query'], [table, ...t.indexNames.map((name) => `${table}/index/${name}`)]);
    case 'table:put':
      return statement(['dynamodb:PutItem'], [table]);
    case 'table:update':
      return statement(['dynamodb:UpdateItem'], [table]);
    case 'content:read':
      // GetObjectTagging: CopyObject copies the source's tags by default.
      return statement(['s3:GetObject', 's3:GetObjectTagging'], [t.contentBucket.arnForObjects('*')]);
    case 'content:list':
      return statement(['s3:ListBucket'], [t.contentBucket.bucketArn]);
    case 'packages:read':
      return statement(['s3:GetObject'], [packagesObjects]);
    case 'packages:write':
      return statement(['s3:PutObject', 's3:PutObjectTagging'], [packagesObjects]);
    case 'facts:read':
      return statement(['s3:GetObject'], [t.packagesBucket.arnForObjects('facts/*')]);
    case 'facts:list':
      return new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [t.packagesBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['facts/*'] } },
      });
    case 'facts:write':
      // Delete: a month compacted, the sealer drops its day objects.
      return statement(['s3:PutObject', 's3:DeleteObject'], [t.packagesBucket.arnForObjects('facts/*')]);
    case 'packages:list':
      return statement(['s3:ListBucket'], [t.packagesBucket.bucketArn]);
    case 'bus:publish':
      return statement(['events:PutEvents'], [t.bus.eventBusArn]);
    case 'secrets:read':
      return statement(['secretsmanager:GetSecretValue'], [secretArnPattern(scope)]);
    case 'secrets:write':
      return statement(
        ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'],
        [secretArnPattern(scope)],
      );
    case 'secrets:signing-master-key':
      return statement(
        ['secretsmanager:GetSecretValue'],
        [secretArnPattern(scope, MASTER_SIGNING_KEY_SECRET)],
      );
    case 'secrets:feed-master-key':
      return statement(['secretsmanager:GetSecretValue'], [secretArnPattern(scope, MASTER_FEED_KEY_SECRET)]);
    case 'secrets:renew-credentials':
      // Only social channels' credentials: a worker that refreshed a network token stores the new one.
      return statement(['secretsmanager:PutSecretValue'], [secretArnPattern(scope, CREDENTIALS_SECRETS)]);
    case 'ingest:assume-role':
      // Partners' accounts are not known at deploy time; the role name prefix and the external id
      // (the agreement id, checked by the partner's trust policy) are what narrow it.
      return statement(
        ['sts:AssumeRole'],
        [`arn:${Stack.of(scope).partition}:iam::*:role/${INGEST_ROLE_PREFIX}*`],
      );
    default: {
      const queueName = cap.slice('queue:send:'.length);
      const queue = t.queues[queueName];
      if (!queue) throw new Error(`no queue ${queueName} for capability ${cap}`);
      // SendMessageBatch is authorised by sqs:SendMessage.
      return statement(['sqs:SendMessage'], [queue.queueArn]);
    }
  }
}

/** Adds one statement per capability to a function's role. */
export function grantCapabilities(
  scope: Construct,
  role: IRole,
  caps: readonly Capability[],
  targets: GrantTargets,
): void {
  for (const cap of caps) role.addToPrincipalPolicy(statementFor(scope, cap, targets));
}
