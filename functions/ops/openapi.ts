/**
 * The ops API's OpenAPI 3.1 document, generated from the route table and the zod schemas the
 * routes parse with (`z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Every
 * route appears, with the summary, body and query its `doc` gives, so the document cannot miss an
 * endpoint. Served at `GET /ops/openapi.json`.
 */
import * as z from 'zod';

/** A success that names what it made: 201 Created or 202 Accepted, with a Location header. */
export const locatedSuccess = (status: 201 | 202, what: string): [number, string] => [
  status,
  `${status === 201 ? 'Created' : 'Accepted'}; Location names ${what}`,
];

/** What a route tells the document beyond its method and path. */
export interface Operation {
  summary: string;
  body?: z.ZodType;
  /** An optional body (absent means the defaults). */
  bodyOptional?: boolean;
  query?: z.ZodType;
  /** Success status and what it means, when not `200 OK`. */
  success?: [number, string];
  /** The success body is a page: `{items, cursor?}`. */
  page?: boolean;
}

const schemaOf = (s: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
};

function queryParameters(query: z.ZodType) {
  const schema = schemaOf(query) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: s,
  }));
}

const problemRef = { $ref: '#/components/schemas/Problem' };
const errors = Object.fromEntries(
  [
    ['400', 'The request is invalid; `errors` names each field at fault'],
    ['401', 'Missing or wrong credentials'],
    ['404', 'Not found'],
    ['405', 'Method not allowed; `Allow` lists those that are'],
    ['409', 'Refused in the current state; `reason` says why'],
    ['413', 'The body is too large'],
    ['500', 'Internal error (no details)'],
  ].map(([code, description]) => [
    code,
    { description, content: { 'application/problem+json': { schema: problemRef } } },
  ]),
);

/** The document for a route table (`{method, path}` each). */
export function openApiDocument(routes: readonly { method: string; path: string; doc: Operation }[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op = r.doc;
    const names = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    const [status, description] = op.success ?? [200, 'OK'];
    const success =
      status === 204
        ? { description }
        : {
            description,
            ...(status === 201 || status === 202
              ? { headers: { Location: { schema: { type: 'string' }, description: 'Where to read it' } } }
              : {}),
            content: {
              'application/json': {
                schema: op.page ? { $ref: '#/components/schemas/Page' } : { type: 'object' },
              },
            },
          };
    paths[r.path] ??= {};
    (paths[r.path] as Record<string, unknown>)[r.method.toLowerCase()] = {
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_, c?: string) => (c ?? '').toUpperCase())}`,
      summary: op.summary,
      parameters: [
        ...names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...(op.query ? queryParameters(op.query) : []),
      ],
      ...(op.body && {
        requestBody: {
          required: !op.bodyOptional,
          content: { 'application/json': { schema: schemaOf(op.body) } },
        },
      }),
      responses: { [String(status)]: success, ...errors },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Loa ops API',
      version: '1',
      description:
        'Operators’ API: agreements, deliveries, replays, backfills, routing explanations. Errors are RFC 9457 problem details; lists are pages `{items, cursor?}` (pass `cursor` back for the next).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }, { sigv4: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The local server’s ops token' },
        sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS SigV4 (IAM) on AWS' },
      },
      schemas: {
        Page: {
          type: 'object',
          required: ['items'],
          properties: {
            items: { type: 'array', items: { type: 'object' } },
            cursor: { type: 'string', description: 'Absent on the last page' },
          },
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string', format: 'uri-reference' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'pointer', 'detail'],
                properties: {
                  field: { type: 'string' },
                  pointer: { type: 'string' },
                  detail: { type: 'string' },
                },
              },
            },
            reason: { type: 'string' },
            offer: { type: 'string' },
          },
        },
      },
    },
  };
}
