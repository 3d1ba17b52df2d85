/**
 * The HTTP edge of the functions: API Gateway's event and result types, responses (JSON, text,
 * RFC 9457 problems), the body and query-string parsers, and the map from domain errors to HTTP.
 * Use cases never see any of it: they take plain inputs.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type * as z from 'zod';
import { type ProblemExtras, problemBody } from '#app/problem.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '#domain/errors.ts';
import { describeIssues } from '#schemas/issues.ts';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResponse = APIGatewayProxyStructuredResultV2;

/** Largest ops request body we read. */
const MAX_OPS_BODY_BYTES = 64 * 1024;

const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' };

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

/** An RFC 9457 problem response (`application/problem+json`): every HTTP error Loa answers. */
export function problem(
  statusCode: number,
  detail: string,
  extras?: ProblemExtras,
  headers: Record<string, string> = {},
): HttpResponse {
  const { contentType, body } = problemBody(statusCode, detail, extras);
  return { statusCode, headers: { 'content-type': contentType, ...SECURITY_HEADERS, ...headers }, body };
}

/** An error a caller may see in full (4xx). 5xx details never leave the server. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly problems?: string[],
    readonly extras: { reason?: string; offer?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Parses a JSON body with a schema; every failure names the field at fault. */
export function parseBody<T extends z.ZodType>(event: HttpEvent, schema: T): z.infer<T> {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  if (!raw) throw new HttpError(400, 'request body is empty: send a JSON object');
  if (Buffer.byteLength(raw, 'utf8') > MAX_OPS_BODY_BYTES) {
    throw new HttpError(413, `request body is over ${MAX_OPS_BODY_BYTES} bytes`);
  }
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch (error) {
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new HttpError(400, `invalid request body: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
}

/** Parses the query string with a schema; every failure names the parameter at fault (400). */
export function parseQuery<T extends z.ZodType>(event: HttpEvent, schema: T): z.infer<T> {
  const parsed = schema.safeParse(event.queryStringParameters ?? {});
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new HttpError(400, `invalid query: ${problems.join('; ')}`, problems);
  }
  return parsed.data;
}

/** An optional JSON body: absent or empty is `{}`, anything else goes through `parse`. */
export function optionalBody(event: HttpEvent): boolean {
  return Boolean(event.body && event.body.trim() !== '');
}

/** Maps domain errors to HTTP; anything unknown becomes a generic 500 (logged by the caller). */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof InvalidInputError) return new HttpError(400, error.message, error.problems);
  if (error instanceof NotFoundError) return new HttpError(404, error.message);
  if (error instanceof ConflictError) return new HttpError(409, error.message);
  return undefined;
}

/** The problem response for an error: in full for 4xx, a generic sentence for 5xx. */
export function errorResponse(error: HttpError): HttpResponse {
  const { reason, offer, headers } = error.extras;
  if (error.statusCode >= 500) return problem(error.statusCode, 'internal error', {}, headers);
  return problem(
    error.statusCode,
    error.message,
    {
      ...(error.problems && { problems: error.problems }),
      ...(reason && { reason }),
      ...(offer && { offer }),
    },
    headers,
  );
}
