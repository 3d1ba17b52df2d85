/** One synthesis per test file (beforeAll), shared by its tests; the temporary assembly is removed after. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, type CfnResource as CdkResource, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll } from 'vitest';
import { createLoaApp, type LoaAppOptions } from '#infra/stacks/loa-app.ts';
import type { LoaStack } from '#infra/stacks/loa-stack.ts';
import type { LoaStatefulStack } from '#infra/stacks/stateful-stack.ts';

export interface Synth {
  app: App;
  /** The stateless stack: functions, API, bus, queues, alarms, dashboard. */
  stack: LoaStack;
  template: Template;
  /** The template as plain JSON, for walks the assertions API has no helper for. */
  json: CfnTemplate;
  /** The stateful stack: table, buckets, Glue table. */
  stateful: LoaStatefulStack;
  statefulTemplate: Template;
  statefulJson: CfnTemplate;
  /** The cloud assembly directory (bundled assets live here). */
  outdir: string;
  dispose(): void;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  [key: string]: unknown;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

/**
 * For files that only read the template: no bundling (CDK's own switch; only the code assets'
 * hashes change) and no schema validation. stack.test.ts synthesizes in full, as `cdk synth` does.
 */
export const TEMPLATE_ONLY = { bundling: false, cfnValidation: false } as const;

/** Synthesizes the app as `cdk synth` would (cdk.json's flags, cdk-nag registered), into a temp dir. */
export function synthLoa(options: Omit<LoaAppOptions, 'outdir'> = {}): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'loa-cdk-'));
  const { app, stack, stateful } = createLoaApp({ ...options, outdir });
  app.synth();
  const template = Template.fromStack(stack);
  const statefulTemplate = Template.fromStack(stateful);
  return {
    app,
    stack,
    template,
    json: template.toJSON() as CfnTemplate,
    stateful,
    statefulTemplate,
    statefulJson: statefulTemplate.toJSON() as CfnTemplate,
    outdir,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/**
 * `{ Fn::GetAtt: [id, attr] }` of a construct's resource; as `from` (a synthesized stack) sees it
 * when given: from the other stack, the cross-stack reference CDK rendered there.
 */
export const getAtt = (construct: IConstruct, attr = 'Arn', from?: Stack): unknown =>
  from && from !== Stack.of(construct)
    ? from.resolve((construct.node.defaultChild as CdkResource).getAtt(attr))
    : { 'Fn::GetAtt': [logicalId(construct), attr] };

/** `{ Ref: id }` of a construct's resource. */
export const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });

/** Resources of one type, by logical id. */
export function resourcesOf(json: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** Every resource another one references (Ref, Fn::GetAtt, Fn::Sub, DependsOn) within the template. */
function references(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::GetAtt' && Array.isArray(v)) out.add(String(v[0]));
      else if (k === 'Fn::Sub') {
        for (const m of JSON.stringify(v).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(String(m[1]));
      } else references(v, out);
    }
  }
  return out;
}

/** The dependency cycles among a template's resources, each as `A → B → A`; CloudFormation refuses any. */
export function dependencyCycles(resources: Record<string, CfnResource>): string[] {
  const edges = new Map(
    Object.entries(resources).map(([id, r]) => {
      const deps = references(r.Properties, new Set([r.DependsOn ?? []].flat()));
      return [id, [...deps].filter((d) => d in resources)];
    }),
  );
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (id: string, path: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(id)), id].join(' → '));
      return;
    }
    state.set(id, 'visiting');
    for (const d of edges.get(id) ?? []) visit(d, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of edges.keys()) visit(id, []);
  return cycles;
}

/** The dev and the prod stage, synthesized (templates only) before the file's tests and disposed after. */
export function devAndProd(): { readonly dev: Synth; readonly prod: Synth } {
  const stages = {} as { dev: Synth; prod: Synth };
  beforeAll(() => {
    stages.dev = synthLoa(TEMPLATE_ONLY);
    stages.prod = synthLoa({ ...TEMPLATE_ONLY, stage: 'prod' });
  });
  afterAll(() => {
    stages.dev?.dispose();
    stages.prod?.dispose();
  });
  return stages;
}
