/**
 * The team's middy middlewares, one concern each (named hooks, so they show in stack traces):
 * `lambdaContext` gives Powertools Logger the invocation's context (request id, function name,
 * cold start) and drops per-record keys afterwards; `problemErrors` maps errors to RFC 9457
 * problems, where only 4xx details reach the caller.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { errorResponse, HttpError, type HttpResponse, toHttpError } from './http.ts';

/** Powertools Logger with the Lambda context on every log line of the invocation. */
export function lambdaContext<E, R>(getLogger: () => Logger): middy.MiddlewareObj<E, R, Error, Context> {
  const lambdaContextBefore: middy.MiddlewareFn<E, R, Error, Context> = (request) => {
    // The local runtime hands a partial context: add what there is.
    if (request.context?.functionName) getLogger().addContext(request.context);
  };
  const lambdaContextAfter: middy.MiddlewareFn<E, R, Error, Context> = () => {
    getLogger().resetKeys();
  };
  return { before: lambdaContextBefore, after: lambdaContextAfter, onError: lambdaContextAfter };
}

/**
 * Errors as problem responses: a known one (`HttpError`, a domain error) with its detail, anything
 * else logged and answered `500 internal error`. A response another middleware set is kept.
 */
export function problemErrors<E>(
  getLogger: () => Logger,
  describe: (event: E) => Record<string, unknown>,
): middy.MiddlewareObj<E, HttpResponse, Error, Context> {
  const problemErrorsOnError: middy.MiddlewareFn<E, HttpResponse, Error, Context> = (request) => {
    if (request.response !== undefined) return;
    const known = toHttpError(request.error);
    if (!known) getLogger().error('request failed', { ...describe(request.event), error: request.error });
    request.response = errorResponse(known ?? new HttpError(500, 'internal error'));
  };
  return { onError: problemErrorsOnError };
}
