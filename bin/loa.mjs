#!/usr/bin/env node
// The `loa` CLI: runs the esbuild bundle (dist/loa.mjs, built by `npm ci` through the `prepare`
// script). Without one, or with one older than a source it was built from (an edit in a clone), it
// builds it first (esbuild is a dev dependency); where esbuild is not installed either, it runs the
// TypeScript sources through tsx.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = new URL('../dist/loa.mjs', import.meta.url);

/** True when the bundle exists and no source it lists changed after it was built. */
function fresh() {
  if (!existsSync(bundle)) return false;
  try {
    const built = statSync(bundle).mtimeMs;
    const inputs = JSON.parse(readFileSync(new URL('../dist/loa.inputs.json', import.meta.url), 'utf8'));
    return inputs.every((f) => statSync(`${root}/${f}`).mtimeMs <= built);
  } catch {
    return true; // an installed copy without its sources list: use the bundle as shipped
  }
}

let main;
if (!fresh()) {
  try {
    const { buildCli } = await import('../scripts/build-cli.mjs');
    await buildCli();
  } catch {
    // no esbuild here: fall through to the sources (or to the bundle there is)
  }
}
if (existsSync(bundle) && fresh()) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../infra/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
