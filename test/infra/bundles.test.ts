/**
 * Every function bundled with the options the stack gives NodejsFunction (infra/constructs/bundling.ts):
 * each must stay under 1 MB and load as an ES module exporting `handler`. Sizes are written to
 * .loa-test/bundle-sizes.json for the README.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, version } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, cdkBundling, esbuildOptions, REPO_ROOT } from '#infra/constructs/bundling.ts';
import { FUNCTIONS } from '#infra/wiring.ts';

const MAX_BYTES = 1024 * 1024;
const OUT = join(REPO_ROOT, '.loa-test', 'bundles');
const bundlePath = (name: string) => join(OUT, name, BUNDLE.outFile);
const sizes: Record<string, number> = {};

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await Promise.all(
    Object.entries(FUNCTIONS).map(async ([name, spec]) => {
      await build(esbuildOptions(spec.entry, join(OUT, name)));
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

describe('function bundles', () => {
  it.each(Object.keys(FUNCTIONS))('keeps %s under 1 MB minified', (name) => {
    expect(sizes[name]).toBeGreaterThan(0);
    expect(sizes[name]).toBeLessThan(MAX_BYTES);
  });

  it('load in plain Node.js as ES modules that export a handler function', () => {
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
      sourcesContent: BUNDLE.sourcesContent,
      mainFields: BUNDLE.mainFields,
      externalModules: BUNDLE.external,
      banner: BUNDLE.banner,
      tsconfig: BUNDLE.tsconfig,
    });
  });
});
