import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // s3rver's paginated ListObjectsV2 needs the legacy OpenSSL provider (see ../shared/STACK.md).
    pool: 'forks',
    execArgv: ['--openssl-legacy-provider'],
    // The AWS SDK's Node-version notice (infra/quiet-aws-sdk.ts) and Powertools' EMF lines are noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.loa-test/results.json' },
  },
});
