import { build } from 'esbuild';
import { esbuildOptions } from './infra/constructs/bundling.ts';
import { FUNCTIONS } from './infra/wiring.ts';
const name = process.argv[2] as keyof typeof FUNCTIONS;
const o = esbuildOptions(FUNCTIONS[name].entry, '/tmp/h/it-meta');
const r = await build({ ...o, external: [], metafile: true });
const out = Object.values(r.metafile.outputs).find((x) => x.entryPoint)!;
const re = new RegExp(process.argv[3]);
console.log(Object.entries(out.inputs).filter(([f]) => re.test(f)).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput).slice(0, 25).map(([k, v]) => `${(v.bytesInOutput / 1024).toFixed(1)} ${k}`).join('\n'));
