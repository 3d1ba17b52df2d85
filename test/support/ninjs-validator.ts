import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where a clone's origin repository is, when it was cloned from a folder on this machine. */
function originRoot(): string | undefined {
  const out = spawnSync('git', ['config', '--get', 'remote.origin.url'], { cwd: repoRoot, encoding: 'utf8' });
  const url = out.status === 0 ? out.stdout.trim() : '';
  return url && path.isAbsolute(url) ? url : undefined;
}

/**
 * The IPTC schemas live beside the repository, never copied into it (../shared/schemas/README.md):
 * `LOA_SCHEMAS_DIR` when set, else `../shared/schemas`, else beside the repository a local clone was
 * made from (a CI dry run in /tmp clones the working repository).
 */
function findSchemaDir(): string {
  const candidates = [
    process.env.LOA_SCHEMAS_DIR,
    path.resolve(repoRoot, '../shared/schemas'),
    ...[originRoot()]
      .filter((o): o is string => o !== undefined)
      .map((o) => path.resolve(o, '../shared/schemas')),
  ].filter((d): d is string => Boolean(d));
  const found = candidates.find((d) => existsSync(path.join(d, 'ninjs-schema_2.1.json')));
  if (!found) {
    throw new Error(`IPTC schemas not found: looked in ${candidates.join(', ')} (set LOA_SCHEMAS_DIR)`);
  }
  return found;
}

export const schemaDir = findSchemaDir();

const readSchema = (name: string) => JSON.parse(readFileSync(path.join(schemaDir, name), 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
// ninjs refers to GeoJSON by its $id, so it must be known before ninjs compiles.
ajv.addSchema(readSchema('GeoJSON.json'));
const validate = ajv.compile(readSchema('ninjs-schema_2.1.json'));

/** Problems with `doc` as ninjs 2.1, one line each; empty when it is valid. */
export function validateNinjs(doc: unknown): string[] {
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim());
}
