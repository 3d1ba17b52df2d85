import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { dynamoClient, s3Client } from '#adapters/aws/clients.ts';
import { migrateDeliveriesToModel2 } from '#adapters/aws/dynamo-migrate.ts';
import { tableDefinition } from '#adapters/aws/table.ts';

interface Emulators {
  dynamoEndpoint: string;
  s3Endpoint: string;
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/**
 * Starts dynalite and s3rver in this process with their data under `dataDir`, and makes sure the
 * table and buckets exist: a restart on the same folder finds everything it had.
 */
export async function startEmulators(opts: {
  dataDir: string;
  dynamoPort: number;
  s3Port: number;
  tableName: string;
  buckets: string[];
  /** Where what the emulators did to the data folder is told (a migration). */
  log?: (line: string) => void;
}): Promise<Emulators> {
  const dynamo: Server = dynalite({ path: join(opts.dataDir, 'dynamodb'), createTableMs: 0 });
  const dynamoPort = await listen(dynamo, opts.dynamoPort);
  const s3 = new S3rver({
    address: '127.0.0.1',
    port: opts.s3Port,
    silent: true,
    directory: join(opts.dataDir, 's3'),
  });
  const s3Address = await s3.run();
  const dynamoEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const s3Endpoint = `http://127.0.0.1:${s3Address.port}`;

  const ddb = dynamoClient('us-east-1', dynamoEndpoint);
  const wanted = tableDefinition(opts.tableName);
  try {
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: opts.tableName }));
    // dynalite cannot add an index to a table: a folder from an older Loa must be moved aside.
    const have = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    const missing = wanted.GlobalSecondaryIndexes.map((i) => i.IndexName).filter((n) => !have.has(n));
    if (missing.length) {
      throw new Error(
        `the data folder ${opts.dataDir} was made by an older Loa (its table lacks ${missing.join(', ')}); move it aside or delete it and start again`,
      );
    }
    // A folder from before data model 2: its deliveries are moved onto the open lists, once.
    const { migrated } = await migrateDeliveriesToModel2({ client: ddb, tableName: opts.tableName });
    if (migrated)
      opts.log?.(`data model 2: ${migrated} deliveries of ${opts.dataDir} moved onto their open lists`);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
    await ddb.send(new CreateTableCommand(wanted));
  }
  ddb.destroy();
  const s3c = s3Client('us-east-1', s3Endpoint);
  for (const Bucket of opts.buckets) {
    try {
      await s3c.send(new HeadBucketCommand({ Bucket }));
    } catch {
      await s3c.send(new CreateBucketCommand({ Bucket }));
    }
  }
  s3c.destroy();

  return {
    dynamoEndpoint,
    s3Endpoint,
    async stop() {
      await s3.close();
      await new Promise<void>((resolve) => dynamo.close(() => resolve()));
    },
  };
}
