import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCESS } from '#infra/stacks/access.ts';
import { type CfnResource, type Synth, synthLoa, TEMPLATE_ONLY } from '#test/infra/synth.ts';

interface Statement {
  Sid: string;
  Effect: string;
  Condition?: Record<string, Record<string, unknown>>;
}

// Defect 1 on AWS: any principal allowed PutEvents could put PackageReady; rules trusted it.
describe('bus resource policy', () => {
  let synth: Synth;
  beforeAll(() => {
    synth = synthLoa(TEMPLATE_ONLY);
  });
  afterAll(() => synth?.dispose());

  const statements = (): Statement[] =>
    Object.values(synth.json.Resources)
      .filter((r: CfnResource) => r.Type === 'AWS::Events::EventBusPolicy')
      .flatMap((r) => {
        const s = r.Properties?.Statement;
        const doc = r.Properties?.Policy as { Statement?: Statement[] } | undefined;
        return doc?.Statement ?? (s ? [s as Statement] : []);
      });

  it('denies every principal but Loa’s function roles any source other than loa.cms', () => {
    const deny = statements().find((s) => s.Sid.endsWith('OnlyLoaPutsInternalEvents'));
    expect(deny).toMatchObject({
      Effect: 'Deny',
      Condition: { StringNotEquals: { 'events:source': ['loa.cms'] } },
    });
    const roles = deny?.Condition?.ArnNotEquals?.['aws:PrincipalArn'] as unknown[];
    const publishers = Object.entries(ACCESS).filter(([, caps]) => caps.includes('bus:publish'));
    expect(publishers.length).toBeGreaterThan(0);
    expect(roles).toHaveLength(publishers.length);
  });

  it('every rule on the bus matches on a source, so an event from elsewhere reaches no function', () => {
    const rules = Object.values(synth.json.Resources).filter(
      (r) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventBusName !== undefined,
    );
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) {
      expect(
        (r.Properties?.EventPattern as { source?: string[] } | undefined)?.source?.length,
      ).toBeGreaterThan(0);
    }
  });
});

// Defect 4 on AWS: the package role may read only the asset sources configured.
describe('package role and asset sources', () => {
  let synth: Synth;
  beforeAll(() => {
    synth = synthLoa({ ...TEMPLATE_ONLY, sourceBuckets: ['press-archive/photos/'] });
  });
  afterAll(() => synth?.dispose());

  const s3ReadsOf = (fn: string): string[] => {
    const role = synth.stack.functions[fn]?.role;
    const id = role && synth.stack.getLogicalId(role.node.defaultChild as never);
    return Object.values(synth.json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => JSON.stringify(r.Properties?.Roles).includes(`"${id}"`))
      .flatMap(
        (r) =>
          (
            r.Properties?.PolicyDocument as
              | { Statement: { Action: unknown; Resource: unknown }[] }
              | undefined
          )?.Statement ?? [],
      )
      .filter((st) => JSON.stringify(st.Action).includes('s3:GetObject'))
      .flatMap((st) => (Array.isArray(st.Resource) ? st.Resource : [st.Resource]))
      .map((r) => JSON.stringify(r));
  };

  it('reads the content bucket, its own packages and the configured source, nothing else', () => {
    const reads = s3ReadsOf('package');
    expect(reads).toContain('"arn:aws:s3:::press-archive/photos/*"');
    expect(reads.filter((r) => r.includes('press-archive'))).toHaveLength(1);
    expect(
      reads.every((r) => r.includes('press-archive') || r.includes('Content') || r.includes('Packages')),
    ).toBe(true);
    expect(s3ReadsOf('route').some((r) => r.includes('press-archive'))).toBe(false);
  });

  it('tells the functions the same list', () => {
    const lists = Object.values(synth.json.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map(
        (r) => (r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
      )
      .map((v) => JSON.stringify(v?.LOA_SOURCE_BUCKETS ?? null));
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.filter((l) => l.includes('press-archive/photos/')).length).toBeGreaterThan(0);
  });
});
