import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { Storage } from '#infra/constructs/storage.ts';
import { stageConfig } from '#infra/stacks/stage.ts';

/** The project's feature flags (cdk.json), as `cdk synth` gives them. */
const FLAGS = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;

/** The table's GSIs as synthesized, by name: their projection. */
function projections(context: Record<string, string> = {}) {
  const app = new App({ context: { ...FLAGS, ...context } });
  const stack = new Stack(app, 'Projections');
  new Storage(stack, 'Storage', stageConfig('dev'));
  const [table] = Object.values(Template.fromStack(stack).findResources('AWS::DynamoDB::Table'));
  const gsis = (table?.Properties.GlobalSecondaryIndexes ?? []) as {
    IndexName: string;
    Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
  }[];
  return Object.fromEntries(gsis.map((g) => [g.IndexName, g.Projection]));
}

describe('the table’s index projections in the stack', () => {
  it('declares the lists’ filtered attributes, keys only by article, whole items on the feed index', () => {
    const p = projections();

    expect(p.gsi1).toEqual({
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: ['status', 'updatedAt', 'channelId', 'channelType', 'articleId', 'data'],
    });
    expect(p.gsi2?.ProjectionType).toBe('INCLUDE');
    expect(p.gsi3).toEqual({ ProjectionType: 'KEYS_ONLY' });
    expect(p.gsi5).toEqual({ ProjectionType: 'ALL' });
  });

  it('keeps ALL on the indexes an operator names, so a table deployed before changes one index a deploy', () => {
    const p = projections({ keepAllProjections: 'gsi1,gsi2' });

    expect(p.gsi1).toEqual({ ProjectionType: 'ALL' });
    expect(p.gsi2).toEqual({ ProjectionType: 'ALL' });
    expect(p.gsi3).toEqual({ ProjectionType: 'KEYS_ONLY' });
  });
});
