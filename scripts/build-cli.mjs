// Bundles the `loa` CLI (infra/cli/main.ts and what it imports) into dist/loa.mjs with esbuild, so
// `npx loa` starts without transpiling TypeScript. Run by `npm ci`/`npm install` (the `prepare`
// script) and, if the bundle is missing, by bin/loa.mjs on first use.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** Builds the bundle; returns its path. */
export async function buildCli() {
  const { build } = await import('esbuild');
  const dist = join(root, 'dist');
  const outfile = join(dist, 'loa.mjs');
  mkdirSync(dist, { recursive: true });
  // Chunks of an earlier build: their names carry a hash, so a rebuild would leave them behind.
  for (const f of readdirSync(dist, { withFileTypes: true })) {
    if (f.isFile() && /^loa-.+\.mjs$/.test(f.name)) rmSync(join(dist, f.name));
  }
  const result = await build({
    metafile: true,
    entryPoints: [join(root, 'infra/cli/main.ts')],
    // Split: what only one command imports (the data-model migration: zod and the table's code) is a
    // chunk loaded when that command runs, so every other command starts as fast as before.
    splitting: true,
    outdir: dist,
    entryNames: 'loa',
    chunkNames: 'loa-[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The SDK pieces the CLI loads only when it needs them (SigV4 signing and credentials, PutEvents) stay
    // outside: they come from node_modules at that moment, and --help never pays for them.
    external: ['@aws-sdk/*', '@smithy/*'],
    define: {
      __LOA_VERSION__: JSON.stringify(version),
      __LOA_DASHBOARD_DIR__: JSON.stringify('../infra/dashboard/'),
    },
    // Some bundled CommonJS calls require(): give the ESM bundle one.
    banner: {
      js: "import { createRequire as __loaRequire } from 'node:module'; const require = __loaRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  // The sources it was built from, so bin/loa.mjs can tell a bundle older than an edit and rebuild.
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules'));
  writeFileSync(join(root, 'dist', 'loa.inputs.json'), JSON.stringify(inputs));
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    console.log(`loa CLI bundled: ${await buildCli()}`);
  } catch (error) {
    // An install without dev dependencies has no esbuild: bin/loa.mjs then runs the sources (tsx).
    if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    console.log('loa CLI not bundled (no esbuild in this install); bin/loa.mjs will run the sources');
  }
}
