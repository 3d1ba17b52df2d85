import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { MASTER_FEED_KEY_REF, MASTER_SIGNING_KEY_REF } from '#domain/signing-keys.ts';
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
  /**
   * The one key every feed key (feed URLs, asset links) is derived from: apart from the signing master
   * so that the public feeds and assets functions never hold the key partners' webhook secrets come from.
   */
  readonly masterFeedKey: Secret;

  constructor(scope: Construct, id: string, props: LoaStatefulStackProps) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage', props.stage);
    // The fact ledger that reports read, queryable with Athena (docs/reports.md).
    this.facts = new FactTable(this, 'Facts', {
      bucket: this.storage.packagesBucket,
      stageName: props.stage.name,
    });
    // `{"1": "<44 random letters and digits>"}`: version 1 of a master key, never in the template.
    const masterKey = (id: string, secretName: string, description: string) => {
      const secret = new Secret(this, id, {
        secretName,
        description,
        generateSecretString: {
          secretStringTemplate: '{}',
          generateStringKey: '1',
          passwordLength: 44,
          excludePunctuation: true,
        },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'rotated by adding a version (partners keep verifying through overlaps), never replaced in place',
      });
      return secret;
    };
    this.masterSigningKey = masterKey(
      'MasterSigningKey',
      MASTER_SIGNING_KEY_REF,
      'Loa: the master key webhook and broadcast signing secrets are derived from',
    );
    this.masterFeedKey = masterKey(
      'MasterFeedKey',
      MASTER_FEED_KEY_REF,
      'Loa: the master key feed keys (signed feed URLs and asset links) are derived from',
    );
    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description });
    output('ContentBucketName', this.storage.contentBucket.bucketName, 'Where the CMS puts article assets');
    output('PackagesBucketName', this.storage.packagesBucket.bucketName, 'Packaged article versions');
    output('TableName', this.storage.table.tableName, 'The DynamoDB table');
  }
}
