/**
 * The ops API's OpenAPI 3.1 document: valid by an independent validator (@readme/openapi-parser),
 * one operation per route with a summary, and the endpoint tables in the README and
 * docs/operators.md naming only what it has (docs/operators.md: exactly what it has).
 */
import { readFileSync } from 'node:fs';
import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '#functions/ops/openapi.ts';
import { OPS_ROUTES } from '#functions/ops/routes.ts';

const doc = openApiDocument(OPS_ROUTES);
const operations = new Set(
  Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  ),
);

/** `METHOD /ops/...` inside backticks in a markdown file's table rows (query strings dropped). */
function endpointsIn(file: string): Set<string> {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('|'));
  const found = rows.flatMap((row) =>
    [...row.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/ops\/[^`?\s]+)[^`]*`/g)].map((m) => `${m[1]} ${m[2]}`),
  );
  return new Set(found);
}

describe('the ops OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('has one operation per route, each with its own summary', () => {
    const routes = OPS_ROUTES.map((r) => `${r.method} ${r.path}`);
    expect([...operations].sort()).toEqual([...new Set(routes)].sort());
    const generic = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops) as { summary: string }[])
      .filter((op) => /^(GET|POST|PUT|PATCH|DELETE) \//.test(op.summary));
    expect(generic, 'add a summary in functions/ops/openapi.ts OPERATIONS').toEqual([]);
  });

  it('describes bodies from the zod schemas and every error as a problem', () => {
    const create = doc.paths['/ops/agreements']?.post as {
      requestBody: { content: { 'application/json': { schema: { required: string[] } } } };
      responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
    };
    expect(create.requestBody.content['application/json'].schema.required).toContain('partner');
    expect(create.responses['201']?.headers).toHaveProperty('Location');
    expect(create.responses['400']?.content).toHaveProperty('application/problem+json');
  });

  it('matches the README’s endpoint table: every endpoint it names exists', () => {
    const named = endpointsIn('README.md');
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((e) => !operations.has(e))).toEqual([]);
  });

  it('matches docs/operators.md’s endpoint table exactly', () => {
    const named = endpointsIn('docs/operators.md');
    expect(
      [...named].filter((e) => !operations.has(e)),
      'in the docs, not in the API',
    ).toEqual([]);
    expect(
      [...operations].filter((e) => !named.has(e)),
      'in the API, not in the docs',
    ).toEqual([]);
  });
});
