/**
 * Every function bundled with the options the stack gives NodejsFunction (infra/constructs/bundling.ts):
 * each must stay under 1 MB, carry everything it needs but Node's built-ins (the AWS SDK included),
 * and load as an ES module exporting `handler` from a directory with no node_modules anywhere above
 * it, as on Lambda. Sizes are written to .loa-test/bundle-sizes.json for the README.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, version } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, cdkBundling, esbuildOptions, REPO_ROOT } from '#infra/constructs/bundling.ts';
import { FUNCTIONS } from '#infra/wiring.ts';

const MAX_BYTES = 1024 * 1024;
/** Outside the repository: a package the bundle left out would not resolve from node_modules. */
const OUT = mkdtempSync(join(tmpdir(), 'loa-bundles-'));
const bundlePath = (name: string) => join(OUT, name, BUNDLE.outFile);
const sizes: Record<string, number> = {};
/** Per function, what its bundle leaves for Node to resolve at load time. */
const externals: Record<string, string[]> = {};

beforeAll(async () => {
  await Promise.all(
    Object.entries(FUNCTIONS).map(async ([name, spec]) => {
      const result = await build({ ...esbuildOptions(spec.entry, join(OUT, name)), metafile: true });
      const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
      externals[name] = [...new Set((output?.imports ?? []).filter((i) => i.external).map((i) => i.path))];
      sizes[name] = statSync(bundlePath(name)).size;
    }),
  );
  mkdirSync(join(REPO_ROOT, '.loa-test'), { recursive: true });
  const report = {
    esbuild: version,
    options: {
      target: BUNDLE.target,
      format: BUNDLE.format,
      minify: BUNDLE.minify,
      external: BUNDLE.external,
    },
    bytes: Object.fromEntries(Object.keys(FUNCTIONS).map((n) => [n, sizes[n]])),
  };
  writeFileSync(join(REPO_ROOT, '.loa-test', 'bundle-sizes.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    Object.entries(sizes)
      .map(([n, b]) => `${n}: ${(b / 1024).toFixed(0)} kB`)
      .join(', '),
  );
});

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('function bundles', () => {
  it.each(Object.keys(FUNCTIONS))('keeps %s under 1 MB minified', (name) => {
    expect(sizes[name]).toBeGreaterThan(0);
    expect(sizes[name]).toBeLessThan(MAX_BYTES);
  });

  it.each(Object.keys(FUNCTIONS))('bundles all of %s but Node built-ins, the AWS SDK included', (name) => {
    expect(externals[name]?.length).toBeGreaterThan(0); // node:crypto at least: the list is read
    expect(externals[name]?.filter((m) => !isBuiltin(m))).toEqual([]);
  });

  it('load in plain Node.js as ES modules that export a handler function, with no node_modules to fall back on', () => {
    for (let d = OUT; dirname(d) !== d; d = dirname(d))
      expect(existsSync(join(d, 'node_modules'))).toBe(false);
    // A separate Node process: the real ESM loader, as on Lambda, not the test runner's.
    const script = `
      const out = {};
      for (const [name, url] of Object.entries(JSON.parse(process.argv[1]))) {
        out[name] = typeof (await import(url)).handler;
      }
      console.log(JSON.stringify(out));`;
    const urls = Object.fromEntries(
      Object.keys(FUNCTIONS).map((n) => [n, pathToFileURL(bundlePath(n)).href]),
    );
    const loaded = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(urls)], {
        encoding: 'utf8',
        cwd: OUT,
        env: { PATH: process.env.PATH, NODE_NO_WARNINGS: '1' },
      })
        .trim()
        .split('\n')
        .at(-1) ?? '{}',
    ) as Record<string, string>;

    expect(loaded).toEqual(Object.fromEntries(Object.keys(FUNCTIONS).map((n) => [n, 'function'])));
  });
});

describe('the options NodejsFunction receives', () => {
  it('are the ones this test bundles with', () => {
    const cdk = cdkBundling();

    expect(cdk).toMatchObject({
      forceDockerBundling: false,
      format: BUNDLE.format,
      target: BUNDLE.target,
      minify: BUNDLE.minify,
      sourceMap: BUNDLE.sourcemap,
      bundleAwsSDK: true,
      sourcesContent: BUNDLE.sourcesContent,
      mainFields: BUNDLE.mainFields,
      externalModules: BUNDLE.external,
      banner: BUNDLE.banner,
      tsconfig: BUNDLE.tsconfig,
    });
  });
});
