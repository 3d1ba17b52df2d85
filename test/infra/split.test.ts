/** Two stacks per stage: the data in one, everything that can be replaced at will in the other. */
import { describe, expect, it } from 'vitest';
import { type CfnTemplate, devAndProd, resourcesOf } from './synth.ts';

const stages = devAndProd();

const count = (json: CfnTemplate, type: string) => resourcesOf(json, type).length;

describe('the stateful and the stateless stack', () => {
  it('are named for the stage', () => {
    expect([stages.dev.stateful.stackName, stages.dev.stack.stackName]).toEqual([
      'Loa-dev-stateful',
      'Loa-dev-stateless',
    ]);
  });

  it('puts the table, the three buckets and the Glue table in the stateful stack, and no function', () => {
    expect(count(stages.dev.statefulJson, 'AWS::DynamoDB::Table')).toBe(1);
    expect(count(stages.dev.statefulJson, 'AWS::S3::Bucket')).toBe(3);
    expect(count(stages.dev.statefulJson, 'AWS::Glue::Table')).toBe(1);
    // No Loa function: in dev the only Lambda is CDK's provider that empties buckets on deletion,
    // and prod, which never empties buckets, has none at all.
    expect(resourcesOf(stages.dev.statefulJson, 'AWS::Lambda::Function').map(([id]) => id)).toEqual([
      expect.stringMatching(/^CustomS3AutoDeleteObjectsCustomResourceProvider/),
    ]);
    expect(count(stages.prod.statefulJson, 'AWS::Lambda::Function')).toBe(0);
  });

  it('puts the functions, the API, the bus and the queues in the stateless stack, and no table or bucket', () => {
    expect(count(stages.dev.json, 'AWS::Lambda::Function')).toBeGreaterThanOrEqual(
      Object.keys(stages.dev.stack.functions).length,
    );
    expect(count(stages.dev.json, 'AWS::ApiGatewayV2::Api')).toBe(1);
    expect(count(stages.dev.json, 'AWS::Events::EventBus')).toBe(1);
    expect(count(stages.dev.json, 'AWS::SQS::Queue')).toBeGreaterThan(0);
    expect(count(stages.dev.json, 'AWS::CloudWatch::Dashboard')).toBe(1);
    expect(count(stages.dev.json, 'AWS::DynamoDB::Table')).toBe(0);
    expect(count(stages.dev.json, 'AWS::S3::Bucket')).toBe(0);
    expect(count(stages.dev.json, 'AWS::Glue::Table')).toBe(0);
  });

  it('has the stateless stack depend on the stateful one, never the reverse', () => {
    expect(stages.dev.stack.dependencies).toContain(stages.dev.stateful);
    expect(stages.dev.stateful.dependencies).not.toContain(stages.dev.stack);
  });

  it('protects both prod stacks from deletion', () => {
    expect([stages.prod.stateful.terminationProtection, stages.prod.stack.terminationProtection]).toEqual([
      true,
      true,
    ]);
  });
});
