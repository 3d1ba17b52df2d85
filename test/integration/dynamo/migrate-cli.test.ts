/**
 * `loa migrate model-2` against a DynamoDB over the wire: the command's function on a table holding
 * deliveries written before data model 2, run twice and dry; its refusals; and the whole command line,
 * which reaches DynamoDB through the SDK's default chain (here AWS_ENDPOINT_URL_DYNAMODB and env keys).
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { keys } from '#adapters/aws/table.ts';
import { CliError, EXIT } from '#infra/cli/client.ts';
import { migrateTableToModel2 } from '#infra/cli/commands/migrate.ts';
import { runCli } from '#infra/cli/main.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { startDynamo, type TestDynamo } from '#test/support/dynamo.ts';
import { indexKeysOf, putBeforeModel2 } from '#test/support/model1-items.ts';

let dynamo: TestDynamo;
let table: Table;
beforeAll(async () => {
  dynamo = await startDynamo();
});
afterAll(async () => dynamo?.stop());
beforeEach(async () => {
  table = { client: dynamo.client, tableName: await dynamo.createTable() };
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** Three deliveries of agreement `old` as written before data model 2: failed, pending, delivered. */
async function seedOldForm() {
  const failed = deliveryFixture({ agreementId: 'old', articleId: 'a1', status: 'failed', attemptCount: 8 });
  const pending = deliveryFixture({ agreementId: 'old', articleId: 'a2' });
  const delivered = deliveryFixture({ agreementId: 'old', articleId: 'a3', status: 'delivered' });
  for (const d of [failed, pending, delivered]) await putBeforeModel2(table, d);
  return { failed, pending, delivered };
}

/** What a refusal of the command's function says and exits with. */
async function refusal(run: Promise<unknown>) {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return { message: (error as CliError).message, exitCode: (error as CliError).exitCode };
}

/** `loa args` in this process, with no ops endpoint or token: the command must not need them. */
async function loa(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

describe(`loa migrate model-2 (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('migrates the deliveries in the old form, then finds nothing more to migrate', async () => {
    const { failed, pending, delivered } = await seedOldForm();

    const first = await migrateTableToModel2(table, { dryRun: false });
    const again = await migrateTableToModel2(table, { dryRun: false });

    expect(first.json).toEqual({
      table: table.tableName,
      dryRun: false,
      scanned: 3,
      examined: 3,
      migrated: 3,
    });
    expect(first.human).toMatch(/migrated\s+3/);
    expect(again.json).toMatchObject({ examined: 0, migrated: 0 });
    expect(again.human).toContain('nothing to migrate');
    expect(await indexKeysOf(table, failed.deliveryId)).toEqual({
      open: keys.openOf('old'),
      unfinished: undefined,
    });
    expect(await indexKeysOf(table, pending.deliveryId)).toEqual({
      open: keys.openOf('old'),
      unfinished: undefined,
    });
    expect(await indexKeysOf(table, delivered.deliveryId)).toEqual({
      open: undefined,
      unfinished: undefined,
    });
  });

  it('counts what would change with --dry-run and writes nothing', async () => {
    const { failed, pending } = await seedOldForm();

    const dry = await migrateTableToModel2(table, { dryRun: true });
    const afterDry = await migrateTableToModel2(table, { dryRun: true });

    expect(dry.json).toMatchObject({ dryRun: true, examined: 3, migrated: 3 });
    expect(dry.human).toMatch(/would migrate\s+3/);
    expect(dry.human).toContain('dry run: nothing written');
    expect(afterDry.json).toMatchObject({ examined: 3, migrated: 3 });
    expect(await indexKeysOf(table, failed.deliveryId)).toEqual({
      open: keys.deliveriesWithStatus('old', 'failed'),
      unfinished: undefined,
    });
    expect(await indexKeysOf(table, pending.deliveryId)).toEqual({
      open: keys.deliveriesWithStatus('old', 'pending'),
      unfinished: 'UNFINISHED',
    });
  });

  it('refuses a table that does not exist, naming it', async () => {
    const missing = { client: dynamo.client, tableName: 'loa-no-such-table' };

    const refused = await refusal(migrateTableToModel2(missing, { dryRun: false }));

    expect(refused).toEqual({
      message: 'table loa-no-such-table does not exist (in this account and region)',
      exitCode: EXIT.refused,
    });
  });

  it('refuses a table without the gsi2 index, naming the index', async () => {
    const bare = `${table.tableName}-bare`;
    await dynamo.client.send(
      new CreateTableCommand({
        TableName: bare,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );

    const refused = await refusal(
      migrateTableToModel2({ client: dynamo.client, tableName: bare }, { dryRun: true }),
    );

    expect(refused.exitCode).toBe(EXIT.refused);
    expect(refused.message).toContain(`table ${bare} has no gsi2 index (its indexes: none)`);
  });

  it('runs from the command line with the default credential chain and no ops token, twice', async () => {
    await seedOldForm();
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const args = ['migrate', 'model-2', '--table', table.tableName, '--region', 'us-east-1', '--json'];

    const dry = await loa([...args, '--dry-run']);
    const first = await loa(args);
    const again = await loa(args);
    const missing = await loa([
      'migrate',
      'model-2',
      '--table',
      'loa-no-such-table',
      '--region',
      'us-east-1',
    ]);

    expect(dry.code).toBe(EXIT.ok);
    expect(JSON.parse(dry.stdout)).toMatchObject({ ok: true, data: { dryRun: true, migrated: 3 } });
    expect(first.code).toBe(EXIT.ok);
    expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, data: { examined: 3, migrated: 3 } });
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, data: { examined: 0, migrated: 0 } });
    expect(missing).toMatchObject({
      code: EXIT.refused,
      stderr: 'loa: table loa-no-such-table does not exist (in this account and region)\n',
    });
  });

  it('asks for --table, with the usage exit code', async () => {
    const run = await loa(['migrate', 'model-2', '--region', 'us-east-1']);

    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toContain('missing --table <name>');
  });

  it('says in its help that it talks to DynamoDB directly, not to the ops API', async () => {
    const help = await loa(['help', 'migrate', 'model-2']);

    expect(help.code).toBe(EXIT.ok);
    expect(help.stdout).toContain('in DynamoDB directly with your AWS credentials, not through the ops API');
    expect(help.stdout).toContain('--dry-run');
  });
});
