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

/** What every function runs with (NODE_OPTIONS): stack traces through the bundle's source map. */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

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
   * Nothing is left external but Node's built-ins: the AWS SDK v3 is bundled too (ESM, tree-shaken
   * to the clients and commands the function names), not taken from the Node.js 22 runtime. Loading
   * the runtime's copy from its node_modules (hundreds of files, CommonJS, every command of each
   * client) took more than half of every function's cold-start import(); bundled, the same function
   * imports in about half the time (bench/coldstart.ts measures both in one run), and the SDK version
   * deployed is the one in package-lock.json, not whichever the runtime carries that day. Region and
   * credentials still come from the Lambda environment (AWS_REGION, the role's AWS_ACCESS_KEY_ID /
   * AWS_SESSION_TOKEN), read by the bundled SDK's default chain.
   */
  external: [] as string[],
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
    /** Explicit: left undefined, NodejsFunction would mark `@aws-sdk/*` external for Node.js 22. */
    bundleAwsSDK: true,
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
