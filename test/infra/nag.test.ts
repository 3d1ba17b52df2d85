/** cdk-nag's AwsSolutions pack over the whole app: nothing unacknowledged, and every acknowledgement explained. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#infra/constructs/bundling.ts';
import { createLoaApp } from '#infra/stacks/loa-app.ts';
import { TEMPLATE_ONLY } from './synth.ts';

// The tree is checked before synthesis: synthesis itself runs the pack and would stop at the first
// finding, while validateScope lists them all.
let app: App;
let outdir: string;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'loa-nag-'));
  app = createLoaApp({ ...TEMPLATE_ONLY, outdir }).app;
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

/** Every acknowledgement recorded in the construct tree (Validations.of(x).acknowledge). */
function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('AwsSolutions checks', () => {
  it('find nothing unacknowledged in the app', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) =>
        `${v.ruleName} (${v.severity}) at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );

    expect(findings).toEqual([]);
  });

  it('fail `cdk synth` on an unacknowledged finding (the pack is registered on the app)', () => {
    const bad = createLoaApp({ ...TEMPLATE_ONLY, outdir: join(outdir, 'bad') });
    // A queue with neither a dead-letter queue nor a TLS-only policy: AwsSolutions-SQS3 and SQS4.
    new Queue(bad.stack, 'Careless', { encryption: QueueEncryption.SQS_MANAGED });

    expect(() => bad.app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});

describe('acknowledgements', () => {
  it('each name an AwsSolutions rule and give a one-line reason of at least 10 characters', () => {
    const acks = acknowledgements(app);
    const bad = acks.filter(
      (a) =>
        !/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/.test(a.id) || a.reason.trim().length < 10 || /\n/.test(a.reason),
    );

    expect(acks.length).toBeGreaterThan(0);
    expect(bad).toEqual([]);
  });

  it('are all listed in docs/aws.md', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs/aws.md'), 'utf8');
    const rules = [...new Set(acknowledgements(app).map((a) => a.id.replace(/\[.*$/, '')))];

    expect(rules.filter((rule) => !docs.includes(rule))).toEqual([]);
  });
});
