/**
 * cfn-lint (AWS's CloudFormation linter, on this machine image as a Python tool) over the templates
 * `cdk synth` makes for dev and prod: no errors (warnings are printed). Where the image has no
 * cfn-lint, the test is skipped with a notice saying so; PyPI is not reachable to install it.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Synth, synthLoa, TEMPLATE_ONLY } from './synth.ts';

const present = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
const CFN_LINT = !present.error && present.status === 0;
if (!CFN_LINT)
  console.warn('cfn-lint tests skipped: no cfn-lint on this machine (command -v cfn-lint finds none)');

let synths: Synth[] = [];
beforeAll(() => {
  if (CFN_LINT) synths = ['dev', 'prod'].map((stage) => synthLoa({ ...TEMPLATE_ONLY, stage }));
}, 120_000);
afterAll(() => {
  for (const s of synths) s.dispose();
});

describe.skipIf(!CFN_LINT)('cfn-lint over the synthesized templates', () => {
  it('finds no errors in the dev and prod templates', () => {
    const templates = synths.flatMap((s) =>
      readdirSync(s.outdir)
        .filter((f) => f.endsWith('.template.json'))
        .map((f) => join(s.outdir, f)),
    );
    // Two stages, each a stateful and a stateless stack.
    expect(templates.length).toBeGreaterThanOrEqual(4);

    const run = spawnSync('cfn-lint', ['--format', 'parseable', ...templates], { encoding: 'utf8' });

    // Exit status is a bit mask: 2 errors, 4 warnings, 8 informational (1 a lint failure).
    const findings = run.stdout.split('\n').filter(Boolean);
    const errors = findings.filter((line) => /:E\d{4}:/.test(line));
    if (findings.length) console.log(`cfn-lint: ${findings.length} finding(s), ${errors.length} error(s)`);
    expect(run.status === null ? 1 : run.status & 3, run.stderr).toBe(0);
    expect(errors).toEqual([]);
  }, 180_000);
});
