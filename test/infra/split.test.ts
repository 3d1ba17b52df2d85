/** Two stacks per stage: the data in one, everything that can be replaced at will in the other. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CfnTemplate, resourcesOf, type Synth, synthLoa, TEMPLATE_ONLY } from './synth.ts';

let dev: Synth;
let prod: Synth;
beforeAll(() => {
  dev = synthLoa(TEMPLATE_ONLY);
  prod = synthLoa({ ...TEMPLATE_ONLY, stage: 'prod' });
});
afterAll(() => {
  dev?.dispose();
  prod?.dispose();
});

const count = (json: CfnTemplate, type: string) => resourcesOf(json, type).length;

describe('the stateful and the stateless stack', () => {
  it('are named for the stage', () => {
    expect([dev.stateful.stackName, dev.stack.stackName]).toEqual(['Loa-dev-stateful', 'Loa-dev-stateless']);
  });

  it('puts the table, the three buckets and the Glue table in the stateful stack, and no function', () => {
    expect(count(dev.statefulJson, 'AWS::DynamoDB::Table')).toBe(1);
    expect(count(dev.statefulJson, 'AWS::S3::Bucket')).toBe(3);
    expect(count(dev.statefulJson, 'AWS::Glue::Table')).toBe(1);
    // No Loa function: in dev the only Lambda is CDK's provider that empties buckets on deletion,
    // and prod, which never empties buckets, has none at all.
    expect(resourcesOf(dev.statefulJson, 'AWS::Lambda::Function').map(([id]) => id)).toEqual([
      expect.stringMatching(/^CustomS3AutoDeleteObjectsCustomResourceProvider/),
    ]);
    expect(count(prod.statefulJson, 'AWS::Lambda::Function')).toBe(0);
  });

  it('puts the functions, the API, the bus and the queues in the stateless stack, and no table or bucket', () => {
    expect(count(dev.json, 'AWS::Lambda::Function')).toBeGreaterThanOrEqual(
      Object.keys(dev.stack.functions).length,
    );
    expect(count(dev.json, 'AWS::ApiGatewayV2::Api')).toBe(1);
    expect(count(dev.json, 'AWS::Events::EventBus')).toBe(1);
    expect(count(dev.json, 'AWS::SQS::Queue')).toBeGreaterThan(0);
    expect(count(dev.json, 'AWS::CloudWatch::Dashboard')).toBe(1);
    expect(count(dev.json, 'AWS::DynamoDB::Table')).toBe(0);
    expect(count(dev.json, 'AWS::S3::Bucket')).toBe(0);
    expect(count(dev.json, 'AWS::Glue::Table')).toBe(0);
  });

  it('has the stateless stack depend on the stateful one, never the reverse', () => {
    expect(dev.stack.dependencies).toContain(dev.stateful);
    expect(dev.stateful.dependencies).not.toContain(dev.stack);
  });

  it('protects both prod stacks from deletion', () => {
    expect([prod.stateful.terminationProtection, prod.stack.terminationProtection]).toEqual([true, true]);
  });
});
