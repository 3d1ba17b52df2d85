/** Starting a Loa process prints no AWS SDK Node-version notice (eight lines of noise on Node 20). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Stderr of a fresh Node that (maybe) imports the switch, then builds an SDK client. */
function stderrOf(importSwitch: boolean): string {
  const script = [
    importSwitch ? "await import('#infra/quiet-aws-sdk.ts');" : '',
    "const { S3Client } = await import('@aws-sdk/client-s3');",
    "new S3Client({ region: 'us-east-1' });",
  ].join('\n');
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
  });
  expect(run.status).toBe(0);
  return run.stderr;
}

const nodeMajor = Number(process.versions.node.split('.')[0]);

describe('infra/quiet-aws-sdk', () => {
  it('silences the SDK’s NodeVersionSupportWarning', () => {
    expect(stderrOf(true)).not.toContain('NodeVersionSupportWarning');
  });

  it.runIf(nodeMajor < 22)('is what silences it: without the switch the SDK prints it on this Node', () => {
    expect(stderrOf(false)).toContain('NodeVersionSupportWarning');
  });
});
