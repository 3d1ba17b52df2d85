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
