/**
 * How every Lambda is bundled, described once: the CDK stack (through NodejsFunction) and the
 * bundle-size test (through esbuild's API) both derive their options from BUNDLE.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BundlingOptions, LogLevel, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The repository root: wiring entries are relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** ESM bundles have no `require`; CommonJS dependencies that call it for Node built-ins need this shim. */
const REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export const BUNDLE = {
  target: 'node22',
  format: 'esm',
  minify: true,
  /** A linked `.map` file; NODE_OPTIONS=--enable-source-maps makes stack traces use it. */
  sourcemap: true,
  /** Source text stays out of the map: smaller asset, no source shipped to Lambda. */
  sourcesContent: false,
  /** Prefer ESM builds of dependencies (better tree-shaking in an ESM bundle). */
  mainFields: ['module', 'main'],
  /**
   * The Node.js 22 runtime ships AWS SDK v3's clients. Bundling them too takes every bundle past 1 MB
   * (measured 1.06 MB against ~0.5 MB without), so the runtime's copy is used. Only the clients and
   * their companions are left out: the higher-level libraries deliver-broadcast uses
   * (`@aws-sdk/lib-storage`, `@aws-sdk/credential-providers`) are bundled, since the runtime's set of
   * those is not documented; they reach AWS through the runtime's client-s3 (and a bundled STS client).
   */
  external: [
    '@aws-sdk/client-*',
    '@aws-sdk/lib-dynamodb',
    '@aws-sdk/util-dynamodb',
    '@aws-sdk/s3-request-presigner',
    '@aws-sdk/core',
    '@aws-sdk/core/*',
    '@aws-sdk/types',
    '@aws-sdk/credential-provider-*',
    '@aws-sdk/middleware-*',
    '@aws-sdk/util-*',
    '@aws-sdk/signature-v4-multi-region',
  ],
  banner: REQUIRE_SHIM,
  tsconfig: join(REPO_ROOT, 'tsconfig.json'),
  /** NodejsFunction names the ESM output index.mjs; the handler is `index.handler`. */
  outFile: 'index.mjs',
} as const;

/** The settings NodejsFunction's props and esbuild's options name alike (fresh arrays: both may mutate). */
const namedAlike = () => ({
  target: BUNDLE.target,
  minify: BUNDLE.minify,
  sourcesContent: BUNDLE.sourcesContent,
  mainFields: [...BUNDLE.mainFields],
  tsconfig: BUNDLE.tsconfig,
});

/** NodejsFunction's bundling props: local esbuild (no Docker), from BUNDLE. */
export function cdkBundling(): BundlingOptions {
  return {
    forceDockerBundling: false,
    format: OutputFormat.ESM,
    ...namedAlike(),
    sourceMap: BUNDLE.sourcemap,
    externalModules: [...BUNDLE.external],
    banner: BUNDLE.banner,
    logLevel: LogLevel.ERROR,
  };
}

/** esbuild's own options for one entry (repo-relative), equal to what NodejsFunction passes to esbuild. */
export function esbuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: [join(REPO_ROOT, entry)],
    outfile: join(outdir, BUNDLE.outFile),
    bundle: true,
    platform: 'node',
    format: BUNDLE.format,
    ...namedAlike(),
    sourcemap: BUNDLE.sourcemap,
    external: [...BUNDLE.external],
    banner: { js: BUNDLE.banner },
    logLevel: 'error',
  };
}
