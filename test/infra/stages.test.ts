/** `-c stage=prod` keeps data; the default `dev` stage can be torn down completely. */
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { stageConfig } from '#infra/stacks/stage.ts';
import { type CfnResource, devAndProd, logicalId, resourcesOf, type Synth } from './synth.ts';

const stages = devAndProd();

/** The table, the buckets and the log groups: what a stage's removal policy is about. */
function dataResources(s: Synth): [string, CfnResource][] {
  const { table, contentBucket, packagesBucket, logBucket } = s.stateful.storage;
  const ids = [table, contentBucket, packagesBucket, logBucket].map(logicalId);
  return [
    ...ids.map((id) => [id, s.statefulJson.Resources[id] as CfnResource] as [string, CfnResource]),
    // The functions' and the API's log groups, in the stateless stack.
    ...resourcesOf(s.json, 'AWS::Logs::LogGroup'),
  ];
}

describe('prod', () => {
  it('retains the table, the buckets and the logs when removed or replaced', () => {
    const policies = dataResources(stages.prod).map(([id, r]) => [
      id,
      r.DeletionPolicy,
      r.UpdateReplacePolicy,
    ]);

    expect(policies).toEqual(dataResources(stages.prod).map(([id]) => [id, 'Retain', 'Retain']));
  });

  it('turns on deletion protection for the table', () => {
    stages.prod.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      DeletionProtectionEnabled: true,
    });
  });

  it('never empties buckets automatically', () => {
    expect(resourcesOf(stages.prod.statefulJson, 'Custom::S3AutoDeleteObjects')).toEqual([]);
    expect(resourcesOf(stages.prod.json, 'Custom::S3AutoDeleteObjects')).toEqual([]);
  });

  it('names its resources for the stage and throttles for production traffic', () => {
    stages.prod.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'loa-prod' });
    stages.prod.template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'loa-prod-route' });
    stages.prod.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
    });
    expect(stages.prod.stack.stackName).toBe('Loa-prod-stateless');
    expect(stages.prod.stateful.stackName).toBe('Loa-prod-stateful');
  });
});

describe('dev', () => {
  it('destroys the table, the buckets and the logs with the stack', () => {
    const policies = dataResources(stages.dev).map(([id, r]) => [id, r.DeletionPolicy]);

    expect(policies).toEqual(dataResources(stages.dev).map(([id]) => [id, 'Delete']));
  });

  it('leaves the table unprotected and empties each bucket before deleting it', () => {
    const { contentBucket, packagesBucket, logBucket } = stages.dev.stateful.storage;
    const emptied = resourcesOf(stages.dev.statefulJson, 'Custom::S3AutoDeleteObjects').map(
      ([, r]) => (r.Properties?.BucketName as { Ref?: string } | undefined)?.Ref,
    );

    stages.dev.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      DeletionProtectionEnabled: false,
    });
    expect(emptied.sort()).toEqual([contentBucket, packagesBucket, logBucket].map(logicalId).sort());
  });
});

describe('stage names', () => {
  it('refuses a name that cannot be part of resource names', () => {
    expect(() => stageConfig('Prod_1')).toThrow(/stage must match/);
    expect(() => stageConfig('a-very-long-stage-name')).toThrow(/stage must match/);
  });
});

describe('protection, tags and the dashboard', () => {
  it('protects the prod stack from deletion, and not a throwaway stage', () => {
    for (const stack of [stages.prod.stack, stages.prod.stateful])
      expect(stack.terminationProtection).toBe(true);
    for (const stack of [stages.dev.stack, stages.dev.stateful])
      expect(stack.terminationProtection).toBe(false);
  });

  it('tags every taggable resource with the project and its stage', () => {
    const table = stages.prod.statefulJson.Resources[
      logicalId(stages.prod.stateful.storage.table)
    ] as CfnResource;
    const route = stages.prod.json.Resources[
      logicalId(stages.prod.stack.functions.route?.fn as IConstruct)
    ] as CfnResource;

    for (const resource of [table, route]) {
      const tags = (resource.Properties?.Tags ?? []) as { Key: string; Value: string }[];
      expect(tags).toEqual(
        expect.arrayContaining([
          { Key: 'project', Value: 'loa' },
          { Key: 'stage', Value: 'prod' },
        ]),
      );
    }
  });

  it('charts delivered, failed and retrying per channel kind on a dashboard named for the stage', () => {
    const [, dashboard] = resourcesOf(stages.prod.json, 'AWS::CloudWatch::Dashboard')[0] ?? [];
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);

    expect(dashboard?.Properties?.DashboardName).toBe('Loa-prod');
    for (const kind of ['webhook', 'broadcast', 'social'])
      expect(body).toContain(`\\"channelKind\\",\\"${kind}\\"`);
    for (const name of ['delivered', 'failed', 'retrying']) expect(body).toContain(`\\"Loa\\",\\"${name}\\"`);
  });
});
