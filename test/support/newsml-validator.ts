import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { schemaDir } from './ninjs-validator.ts';

const SCHEMA_FILE = 'NewsML-G2_2.35-spec-All-Power.xsd';

/** Read once per test file; the IPTC schemas live beside the repository, never copied into it. */
let schemas: { main: string; xml: string } | undefined;
const loadSchemas = () => {
  schemas ??= {
    main: readFileSync(path.join(schemaDir, SCHEMA_FILE), 'utf8'),
    xml: readFileSync(path.join(schemaDir, 'xml.xsd'), 'utf8'),
  };
  return schemas;
};

export interface NewsMlValidation {
  valid: boolean;
  /** xmllint's messages, one per problem; empty when valid. */
  errors: string[];
}

/**
 * Validates a document against IPTC's NewsML-G2 2.35 XSD with libxml2 (WebAssembly). xmllint-wasm
 * compiles the schema on every call (it has no compiled-schema handle), so batch with `validateNewsMlAll`
 * when checking many documents.
 */
export async function validateNewsMl(xml: string): Promise<NewsMlValidation> {
  const [result] = await validateNewsMlAll([xml]);
  return result as NewsMlValidation;
}

/** Several documents in one xmllint run; results in the same order. */
export async function validateNewsMlAll(xmls: string[]): Promise<NewsMlValidation[]> {
  const { main, xml } = loadSchemas();
  const names = xmls.map((_, i) => `item-${i}.xml`);
  const result = await validateXML({
    xml: xmls.map((contents, i) => ({ fileName: names[i] as string, contents })),
    schema: [{ fileName: SCHEMA_FILE, contents: main }],
    preload: [{ fileName: 'xml.xsd', contents: xml }],
  });
  return names.map((name) => {
    const errors = result.errors
      // A message xmllint could not place is counted against every document, never lost.
      .filter((e) => !e.loc || e.loc.fileName === name)
      .map((e) => e.rawMessage);
    return { valid: errors.length === 0, errors };
  });
}
