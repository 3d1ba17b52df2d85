import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // s3rver's paginated ListObjectsV2 needs the legacy OpenSSL provider (see ../shared/STACK.md).
    pool: 'forks',
    execArgv: ['--openssl-legacy-provider'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.loa-test/results.json' },
  },
});
