/**
 * The fact ledger as an Athena table: a Glue database and table over `facts/agreement=<id>/month=<yyyy-mm>/`
 * in the packages bucket (gzipped NDJSON, one object per agreement and month; docs/reports.md). Partition
 * projection works the partitions out from the query, so nothing has to add them as months are sealed.
 * The days sealed before their month is compacted sit under `facts/agreement=<id>/days/`, outside every
 * projected location, so Athena reads complete months only and never a fact twice.
 */
import { Stack } from 'aws-cdk-lib';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Columns of a fact (shared/domain/fact.ts), as Hive types. */
const COLUMNS: [string, string][] = [
  ['type', 'string'],
  ['deliveryid', 'string'],
  ['articleid', 'string'],
  ['version', 'int'],
  ['kind', 'string'],
  ['channelid', 'string'],
  ['channeltype', 'string'],
  ['language', 'string'],
  ['topics', 'array<string>'],
  ['status', 'string'],
  ['routedat', 'string'],
  ['approvedat', 'string'],
  ['deliveredat', 'string'],
  ['attempts', 'int'],
  ['firstpulledat', 'string'],
  ['downloads', 'int'],
  ['reason', 'string'],
  // A not-sent fact counting a day's article versions in one language (no article): absent means one.
  ['count', 'int'],
];

export class FactTable extends Construct {
  readonly databaseName: string;
  readonly tableName = 'delivery_facts';

  constructor(scope: Construct, id: string, props: { bucket: IBucket; stageName: string }) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.databaseName = `loa_${props.stageName.replace(/[^a-z0-9]/g, '_')}`;
    const database = new CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: { name: this.databaseName, description: 'Loa: facts that agreement reports read' },
    });
    const location = `s3://${props.bucket.bucketName}/facts/`;
    const table = new CfnTable(this, 'Table', {
      catalogId: account,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [
          { name: 'agreement', type: 'string' },
          { name: 'month', type: 'string' },
        ],
        parameters: {
          classification: 'json',
          compressionType: 'gzip',
          'projection.enabled': 'true',
          // Queries name the agreement (WHERE agreement = '…'); months run from 2020 to now.
          'projection.agreement.type': 'injected',
          'projection.month.type': 'date',
          'projection.month.format': 'yyyy-MM',
          'projection.month.range': '2020-01,NOW',
          'projection.month.interval': '1',
          'projection.month.interval.unit': 'MONTHS',
          'storage.location.template': `${location}agreement=\${agreement}/month=\${month}/`,
        },
        storageDescriptor: {
          location,
          columns: COLUMNS.map(([name, type]) => ({ name, type })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'case.insensitive': 'true' },
          },
        },
      },
    });
    table.addDependency(database);
  }
}
