import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
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

  constructor(scope: Construct, id: string, props: LoaStatefulStackProps) {
    super(scope, id, props);
    this.storage = new Storage(this, 'Storage', props.stage);
    // The fact ledger that reports read, queryable with Athena (docs/reports.md).
    this.facts = new FactTable(this, 'Facts', {
      bucket: this.storage.packagesBucket,
      stageName: props.stage.name,
    });
    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description });
    output('ContentBucketName', this.storage.contentBucket.bucketName, 'Where the CMS puts article assets');
    output('PackagesBucketName', this.storage.packagesBucket.bucketName, 'Packaged article versions');
    output('TableName', this.storage.table.tableName, 'The DynamoDB table');
  }
}
