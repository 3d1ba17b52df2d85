/**
 * The ops API's OpenAPI 3.1 document, generated from the route table and the zod schemas the
 * routes parse with (`z.toJSONSchema`, JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Every
 * route appears, documented or not, so the document cannot miss an endpoint; `OPERATIONS` adds
 * each one's summary, body and query. Served at `GET /ops/openapi.json`.
 */
import { z } from 'zod';
import { FeedUrlInput } from '#app/feed-keys.ts';
import { ResumeInput } from '#app/ops/catch-up.ts';
import {
  AuditQuery,
  BackfillInput,
  DeliveryQuery,
  HealthQuery,
  ListQuery,
  ReplayOneInput,
  RoutePreviewInput,
  StartReplayInput,
  UpdateAgreementInput,
  WhyQuery,
} from '#app/ops/schemas.ts';
import { RenewInput } from '#app/renew-agreement.ts';
import { CreateAgreementInput, SocialCredentials } from '#schemas/agreement.ts';
import { ExpiringQuery, ReportQuery } from '#schemas/report.ts';

interface Operation {
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

/** What the route table cannot say: each operation's summary, body, query and success. */
const OPERATIONS: Record<string, Operation> = {
  'POST /ops/agreements': {
    summary: 'Create an agreement (generated secrets are returned once)',
    body: CreateAgreementInput,
    success: [201, 'Created; Location names the agreement'],
  },
  'GET /ops/agreements': { summary: 'List agreements', page: true },
  'GET /ops/agreements/{id}': { summary: 'Read an agreement' },
  'PATCH /ops/agreements/{id}': {
    summary: 'Update an agreement (optimistic lock)',
    body: UpdateAgreementInput,
  },
  'POST /ops/agreements/{id}/suspend': { summary: 'Suspend an agreement' },
  'POST /ops/agreements/{id}/resume': { summary: 'Resume an agreement' },
  'PUT /ops/agreements/{id}/channels/{channelId}/credentials': {
    summary: 'Replace a social channel’s credentials',
    body: SocialCredentials,
    success: [204, 'Replaced'],
  },
  'POST /ops/agreements/{id}/feed-keys': {
    summary: 'Add a feed signing key',
    success: [201, 'Created; Location names the key'],
  },
  'DELETE /ops/agreements/{id}/feed-keys/{kid}': { summary: 'Retire a feed signing key' },
  'POST /ops/agreements/{id}/feed-url': { summary: 'Mint a signed feed URL', body: FeedUrlInput },
  'GET /ops/agreements/{id}/deliveries': {
    summary: 'An agreement’s deliveries, newest first',
    query: ListQuery,
    page: true,
  },
  'POST /ops/agreements/{id}/backfill': {
    summary: 'Backfill a new agreement (dry run: 200)',
    body: BackfillInput,
    success: [202, 'Accepted; Location names the job'],
  },
  'GET /ops/backfills/{id}': { summary: 'A backfill’s progress' },
  'POST /ops/backfills/{id}/cancel': { summary: 'Cancel a backfill' },
  'GET /ops/partners': { summary: 'Partners, as the agreements name them', page: true },
  'GET /ops/partners/{id}': { summary: 'One partner and its agreements' },
  'GET /ops/deliveries': {
    summary: 'Deliveries by filter, across agreements',
    query: DeliveryQuery,
    page: true,
  },
  'GET /ops/deliveries/{id}': { summary: 'One delivery' },
  'GET /ops/deliveries/{id}/attempts': { summary: 'A delivery’s attempts' },
  'POST /ops/deliveries/{id}/replay': {
    summary: 'Replay one finished delivery (audited)',
    body: ReplayOneInput,
    bodyOptional: true,
    success: [202, 'Accepted; Location names the replay'],
  },
  'GET /ops/replays': { summary: 'The replay audit log, newest first', query: AuditQuery, page: true },
  'POST /ops/replays': {
    summary: 'Replay by filter (dry run: 200)',
    body: StartReplayInput,
    success: [202, 'Accepted; Location names the job'],
  },
  'GET /ops/replays/{id}': { summary: 'Status of any id the audit log lists' },
  'POST /ops/replays/{id}/cancel': { summary: 'Cancel a replay by filter' },
  'GET /ops/articles/{id}/deliveries': { summary: 'Everywhere an article went', page: true },
  'GET /ops/articles/{id}/routing': { summary: 'An article’s routing records', page: true },
  'GET /ops/articles/{id}/routing/{version}': {
    summary: 'Why a version went, or did not go, to each agreement',
  },
  'GET /ops/articles/{id}/why': {
    summary: 'Why an article went, or did not go, to one agreement',
    query: WhyQuery,
  },
  'POST /ops/route-preview': {
    summary: 'Where an article would go, without sending it',
    body: RoutePreviewInput,
  },
  'GET /ops/health': { summary: 'Per agreement: delivered, retrying, failed', query: HealthQuery },
  'GET /ops/rejections': { summary: 'Bus events refused, with the field at fault', page: true },
  'GET /ops/openapi.json': { summary: 'This document' },
  'POST /ops/agreements/{id}/channels/{channelId}/resume': {
    summary: 'Resume a paused channel: its held deliveries go out oldest first (catch-up)',
    body: ResumeInput,
    bodyOptional: true,
    success: [202, 'Accepted; Location names the catch-up'],
  },
  'GET /ops/catch-ups/{id}': { summary: 'A catch-up’s progress' },
  'GET /ops/agreements/{id}/report': {
    summary: 'An agreement’s report by topic × month × channel × language (json, csv, xlsx)',
    query: ReportQuery,
  },
  'GET /ops/reports/overview': { summary: 'Every agreement side by side for a period', query: ReportQuery },
  'GET /ops/reports/expiring': {
    summary: 'Agreements whose term ends within `days`',
    query: ExpiringQuery,
  },
  'POST /ops/reports/seal': { summary: 'Seal the fact ledger’s due months now' },
  'GET /ops/agreements/{id}/history': {
    summary: 'Every change of an agreement: who, when, what',
    page: true,
  },
  'POST /ops/agreements/{id}/renew': {
    summary: 'Renew an agreement: the next term as a linked agreement',
    body: RenewInput,
    success: [201, 'Created; Location names the new agreement'],
  },
};

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
export function openApiDocument(routes: readonly { method: string; path: string }[]) {
  const ops = OPERATIONS;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const op = ops[`${r.method} ${r.path}`];
    const names = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    const [status, description] = op?.success ?? [200, 'OK'];
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
                schema: op?.page ? { $ref: '#/components/schemas/Page' } : { type: 'object' },
              },
            },
          };
    paths[r.path] ??= {};
    (paths[r.path] as Record<string, unknown>)[r.method.toLowerCase()] = {
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_, c?: string) => (c ?? '').toUpperCase())}`,
      summary: op?.summary ?? `${r.method} ${r.path}`,
      parameters: [
        ...names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
        ...(op?.query ? queryParameters(op.query) : []),
      ],
      ...(op?.body && {
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
