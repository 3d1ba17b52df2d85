import { afterAll, beforeAll, beforeEach } from 'vitest';
import { dynamoStores } from '#adapters/aws/build-deps.ts';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { startDynamo, type TestDynamo } from './dynamo.ts';

/** Every Dynamo store over the current test's table, and the table itself. */
export type TableStores = ReturnType<typeof dynamoStores> & { table: Table };

/**
 * Starts a DynamoDB for the test file (dynalite, or DynamoDB Local with LOA_TEST_DYNAMODB=dynamodb-local),
 * stops it after, and creates a fresh table before each test, handing `use` the stores over it.
 */
export function onFreshTable(use: (stores: TableStores) => void): void {
  let dynamo: TestDynamo | undefined;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(async () => dynamo?.stop());
  beforeEach(async () => {
    if (!dynamo) throw new Error('DynamoDB did not start');
    const table = { client: dynamo.client, tableName: await dynamo.createTable() };
    use({ ...dynamoStores(table), table });
  });
}
