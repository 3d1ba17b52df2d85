import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The IPTC schemas live beside the repository, never copied into it (../shared/schemas/README.md). */
export const schemaDir = path.resolve(repoRoot, '../shared/schemas');

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
