// The DynamoDB integration tests again, on AWS's DynamoDB Local (it needs Java). A machine without
// Java skips them with a notice instead of failing `npm test`: dynalite has run them already.
import { spawnSync } from 'node:child_process';

const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
if (java.error || java.status !== 0) {
  console.log(
    'test:dynamodb-local skipped: no Java runtime on this machine (DynamoDB Local needs one; ' +
      'apt-get install default-jre-headless, as .ci/run does). The same tests ran on dynalite.',
  );
  process.exit(0);
}
const run = spawnSync(
  'npx',
  ['vitest', 'run', 'test/integration/dynamo', '--outputFile.json=.loa-test/results-dynamodb-local.json'],
  { stdio: 'inherit', env: { ...process.env, LOA_TEST_DYNAMODB: 'dynamodb-local' } },
);
process.exit(run.status ?? 1);
