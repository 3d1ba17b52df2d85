import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { MASTER_SIGNING_KEY_REF } from '#domain/signing-keys.ts';
import { FactTable } from '#infra/constructs/fact-table.ts';
import { Storage } from '#infra/constructs/storage.ts';
import type { StageConfig } from './stage.ts';

interface LoaStatefulStackProps extends StackProps {
  stage: StageConfig;
}

/**
 * What holds data: the table, the buckets and the Glue table over the fact ledger. Apart from the
 * stateless stack (`LoaStack`) so that replacing or deleting functions, queues or the API can
 * never touch data, and so the data's stack changes rarely and deliberately.
 */
export class LoaStatefulStack extends Stack {
  readonly storage: Storage;
  readonly facts: FactTable;
  /** The one key every webhook and broadcast signing secret is derived from (docs/security.md). */
  readonly masterSigningKey: Secret;

  constructor(scope: Construct, id: string, props: LoaStatefulStackProps) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage', props.stage);
    // The fact ledger that reports read, queryable with Athena (docs/reports.md).
    this.facts = new FactTable(this, 'Facts', {
      bucket: this.storage.packagesBucket,
      stageName: props.stage.name,
    });
    // `{"1": "<44 random letters and digits>"}`: version 1 of the master key, never in the template.
    this.masterSigningKey = new Secret(this, 'MasterSigningKey', {
      secretName: MASTER_SIGNING_KEY_REF,
      description: 'Loa: the master key webhook and broadcast signing secrets are derived from',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: '1',
        passwordLength: 44,
        excludePunctuation: true,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.masterSigningKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'rotated by adding a version (partners keep verifying through overlaps), never replaced in place',
    });
    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description });
    output('ContentBucketName', this.storage.contentBucket.bucketName, 'Where the CMS puts article assets');
    output('PackagesBucketName', this.storage.packagesBucket.bucketName, 'Packaged article versions');
    output('TableName', this.storage.table.tableName, 'The DynamoDB table');
  }
}
