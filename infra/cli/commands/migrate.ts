/**
 * `loa migrate model-2 --table NAME [--region R] [--dry-run]`: brings a deployed table's deliveries to
 * data model 2 (docs/aws.md, "Upgrading a deployed table to data model 2"). Unlike the other commands
 * it does not call the ops API: a migration is an operator's deployment step, so it talks to DynamoDB
 * directly with the AWS SDK's default credentials (profile, SSO, env) and region.
 */
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { CliError, EXIT } from '../client.ts';
import { type Command, type Output, str } from '../command.ts';
import { fields } from '../format.ts';

/**
 * The migration, imported when the command runs. In today's single-file bundle (scripts/build-cli.mjs)
 * esbuild still hoists the SDK imports it reaches to the bundle's top, so every `loa` start loads
 * lib-dynamodb; with esbuild's code splitting on, this import becomes a chunk of its own and they don't.
 */
const migration = () => import('#adapters/aws/dynamo-migrate.ts');

/** Checks the table, migrates it (or counts, with `dryRun`) and says what it did. */
export async function migrateTableToModel2(table: Table, opts: { dryRun: boolean }): Promise<Output> {
  const { checkMigrationTarget, migrateDeliveriesToModel2, MigrationTargetError } = await migration();
  try {
    await checkMigrationTarget(table);
  } catch (error) {
    if (error instanceof MigrationTargetError) throw new CliError(error.message, EXIT.refused);
    throw error;
  }
  const report = await migrateDeliveriesToModel2(table, opts);
  const moved = report.examined - report.migrated;
  return {
    json: { table: table.tableName, dryRun: opts.dryRun, ...report },
    human: fields({
      table: table.tableName,
      scanned: `${report.scanned} items`,
      'old form': `${report.examined} deliveries`,
      [opts.dryRun ? 'would migrate' : 'migrated']: report.migrated,
      // A delivery whose status changed between the scan and its rewrite was brought to model 2 by that write.
      'moved meanwhile': moved > 0 ? `${moved} (their own status change migrated them)` : undefined,
      result:
        report.examined === 0
          ? 'nothing to migrate: every delivery is on data model 2'
          : opts.dryRun
            ? 'dry run: nothing written'
            : 'done; running it again finds nothing more',
    }),
  };
}

/** An SDK failure as the CLI's error and exit code. */
function sdkProblem(error: unknown, tableName: string): CliError | undefined {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (!(error instanceof Error) || error instanceof CliError) return undefined;
  if (/region is missing/i.test(e.message ?? ''))
    return new CliError('no AWS region: pass --region or set AWS_REGION', EXIT.usage);
  if (e.name === 'CredentialsProviderError')
    return new CliError(`no AWS credentials: ${e.message}`, EXIT.auth);
  const status = e.$metadata?.httpStatusCode;
  if (status === 400 && /AccessDenied|UnrecognizedClient|ExpiredToken/.test(e.name ?? ''))
    return new CliError(
      `DynamoDB refused the credentials for ${tableName}: ${e.name}: ${e.message}`,
      EXIT.auth,
    );
  if (status && status < 500) return new CliError(`DynamoDB refused: ${e.name}: ${e.message}`, EXIT.refused);
  return new CliError(`DynamoDB failed or is unreachable: ${e.name}: ${e.message}`, EXIT.unreachable);
}

export const MIGRATE_MODEL_2: Command = {
  path: ['migrate', 'model-2'],
  summary:
    'bring a deployed table to data model 2, in DynamoDB directly with your AWS credentials, not through the ops API; idempotent (--table, --region, --dry-run)',
  options: { table: { type: 'string' }, region: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  talksTo: 'dynamodb',
  async run(ctx) {
    const tableName = str(ctx.values.table);
    if (!tableName)
      throw new CliError('missing --table <name> (the TableName output of Loa-<stage>-stateful)', EXIT.usage);
    const region = str(ctx.values.region);
    // Only the two DynamoDB clients, loaded here; the default chain finds credentials and, without --region, the region.
    const [{ DynamoDBClient }, { DynamoDBDocumentClient }] = await Promise.all([
      import('@aws-sdk/client-dynamodb'),
      import('@aws-sdk/lib-dynamodb'),
    ]);
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(region ? { region } : {}), {
      marshallOptions: { removeUndefinedValues: true },
    });
    try {
      return await migrateTableToModel2({ client, tableName }, { dryRun: ctx.values['dry-run'] === true });
    } catch (error) {
      throw sdkProblem(error, tableName) ?? error;
    } finally {
      client.destroy();
    }
  },
};
