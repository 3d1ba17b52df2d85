import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Config } from '#config/config.ts';
import { MIN_RETENTION_DAYS, SEAL_AFTER_DAYS } from '#domain/fact.ts';
import { REPO_ROOT } from '#infra/constructs/bundling.ts';
import { DeliveryDashboard } from '#infra/constructs/delivery-dashboard.ts';
import type { AccessTable } from './access.ts';
import { LoaStack } from './loa-stack.ts';
import { stageConfig } from './stage.ts';
import { LoaStatefulStack } from './stateful-stack.ts';
import type { Wiring } from './wiring-check.ts';

export interface LoaAppOptions {
  /** Overrides `-c stage=...`; default `dev`. */
  stage?: string;
  outdir?: string;
  wiring?: Wiring;
  access?: AccessTable;
  /**
   * false skips bundling the functions (the CLI's own switch, `aws:cdk:bundling-stacks`): the
   * template is the same but for the code assets' hashes. For tests that only read the template.
   */
  bundling?: boolean;
  /**
   * false skips CDK's built-in check of the template against the CloudFormation resource schemas
   * (about 2 s on a first synthesis). For tests whose subject is not the schema.
   */
  cfnValidation?: boolean;
  /** Overrides `-c sourceBuckets=a,b/prefix/`: asset sources besides the content bucket. */
  sourceBuckets?: string[];
  /** Overrides `-c retentionDays=N`: days a finished delivery stays in the table (LOA_RETENTION_DAYS). */
  retentionDays?: number;
}

/**
 * `-c retentionDays=N` as a whole number of days no shorter than MIN_RETENTION_DAYS, or none (the
 * functions' default); anything else stops the synthesis, naming what is wrong, rather than deploying
 * a table that would expire deliveries before their day's facts are sealed.
 */
export function retentionDaysOf(value: unknown): number | undefined {
  if (value === undefined || value === '') return undefined;
  const days = Number(value);
  // The functions' own rule (configFromEnv), so the stack cannot hand them a value they refuse.
  if (!Config.shape.retentionDays.safeParse(days).success) {
    throw new Error(
      `retentionDays: ${JSON.stringify(value)} is not a whole number of days of at least ${MIN_RETENTION_DAYS} (the day, ${SEAL_AFTER_DAYS} days before its facts are sealed, a week's margin)`,
    );
  }
  return days;
}

/**
 * cdk.json's context (the feature flags). The CLI passes it to the app anyway; reading it here too
 * means an app built in a test runs with the same flags as `cdk synth`.
 */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: object };
  return { ...cdkJson.context };
}

/**
 * The CDK app: per stage two environment-agnostic stacks (no account, region or lookups, so they
 * synthesize offline), `Loa-<stage>-stateful` (table, buckets, Glue table) and
 * `Loa-<stage>-stateless` (everything else, given the stateful resources as props), both checked by
 * cdk-nag's AwsSolutions pack, whose findings fail synthesis.
 */
export function createLoaApp(options: LoaAppOptions = {}): {
  app: App;
  stack: LoaStack;
  stateful: LoaStatefulStack;
} {
  const context = {
    ...cdkJsonContext(),
    ...(options.bundling === false && { [BUNDLING_STACKS]: [] }),
  };
  const app = new App({
    context,
    builtinCloudFormationValidation: options.cfnValidation ?? true,
    ...(options.outdir && { outdir: options.outdir }),
  });
  const stage = stageConfig(options.stage ?? app.node.tryGetContext('stage') ?? 'dev', {
    alarmEmail: app.node.tryGetContext('alarmEmail'),
  });
  const sourceBuckets =
    options.sourceBuckets ??
    String(app.node.tryGetContext('sourceBuckets') ?? '')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  const retentionDays = retentionDaysOf(options.retentionDays ?? app.node.tryGetContext('retentionDays'));
  const baseName = `Loa-${stage.name}`;
  // In prod, deleting either stack takes a deliberate step first: one holds the data, the other
  // the API partners call.
  const terminationProtection = stage.isProd;
  const stateful = new LoaStatefulStack(app, `${baseName}-stateful`, {
    stage,
    description: `Loa (${stage.name}), stateful: the table and buckets partner deliveries rely on`,
    terminationProtection,
  });
  const stack = new LoaStack(app, `${baseName}-stateless`, {
    stage,
    storage: stateful.storage,
    baseName,
    description: `Loa (${stage.name}), stateless: distributes approved articles to partner media`,
    ...(options.wiring && { wiring: options.wiring }),
    ...(options.access && { access: options.access }),
    terminationProtection,
    ...(sourceBuckets.length > 0 && { sourceBuckets }),
    ...(retentionDays !== undefined && { retentionDays }),
    ...(app.node.tryGetContext('cmsPrincipalArn') && {
      cmsPrincipalArn: app.node.tryGetContext('cmsPrincipalArn'),
    }),
  });
  new DeliveryDashboard(stack, 'DeliveryDashboard', { stageName: stage.name, functions: stack.functions });
  // Cost allocation and ownership on every resource that takes tags, in both stacks. CDK would tag
  // the dashboard too, which CloudFormation's schema for AWS::CloudWatch::Dashboard refuses
  // (cfn-lint E3002).
  const tagging = { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] };
  Tags.of(app).add('project', 'loa', tagging);
  Tags.of(app).add('stage', stage.name, tagging);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, stateful };
}
