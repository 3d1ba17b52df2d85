// Prints "N passed, N failed" over every vitest JSON report of this run (CI reads this line).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = '.loa-test';
let passed = 0;
let failed = 0;
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.startsWith('results') && f.endsWith('.json'));
} catch {
  // no reports: the run stopped before tests (typecheck or lint failed)
}
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // A test file that failed to load has no failed tests but a failed suite: count it once.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).every((a) => a.status !== 'failed'))
      failed += 1;
  }
}
if (files.length === 0) failed += 1;
console.log(`${passed} passed, ${failed} failed`);
