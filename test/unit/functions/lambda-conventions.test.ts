/**
 * Lambda conventions: delivery outcomes as EMF metrics per channel kind; Powertools Logger carrying
 * the Lambda context; errors mapped to problems with only 4xx details reaching the caller.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError, type HttpResponse } from '#functions/http.ts';
import { lambdaContext, problemErrors } from '#functions/middleware.ts';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  vi.resetModules();
});

/** Everything written to stdout while `act` runs, as JSON lines. */
async function stdoutJson(act: () => unknown | Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  await act();
  vi.restoreAllMocks();
  return lines
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
}

const context = {
  functionName: 'loa-deliver-webhook',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:loa-deliver-webhook',
  memoryLimitInMB: '512',
  functionVersion: '$LATEST',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

describe('delivery metrics', () => {
  it('writes one EMF document per channel kind with the batch’s delivered, failed and retrying counts', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const { countOutcome, publishOutcomes } = await import('#functions/metrics.ts');
    const counts = new Map<string, Map<string, number>>();
    for (const s of ['delivered', 'delivered', 'failed', 'retrying']) countOutcome(counts, 'webhook', s);

    const [emf] = await stdoutJson(() => publishOutcomes(counts));

    expect(emf).toMatchObject({ channelKind: 'webhook', delivered: 2, failed: 1, retrying: 1 });
    const aws = emf?._aws as
      | { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] }
      | undefined;
    const directive = aws?.CloudWatchMetrics[0];
    expect(directive?.Namespace).toBe('Loa');
    expect(directive?.Dimensions[0]).toContain('channelKind');
  });
});

describe('middlewares', () => {
  it('gives every log line of an invocation the Lambda context', async () => {
    const logger = new Logger({ serviceName: 'loa', logLevel: 'INFO' });
    const handler = middy(async () => logger.info('working')).use(lambdaContext(() => logger));

    const [line] = await stdoutJson(() => handler({}, context));

    expect(line).toMatchObject({
      message: 'working',
      function_request_id: 'req-1',
      function_name: 'loa-deliver-webhook',
    });
  });

  it('answers a 4xx with its detail and anything else with a bare 500, logging it', async () => {
    const logger = new Logger({ serviceName: 'loa', logLevel: 'ERROR' });
    const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const failWith = (e: Error) =>
      middy<{ rawPath: string }, HttpResponse>(async () => {
        throw e;
      }).use(
        problemErrors(
          () => logger,
          (ev: { rawPath: string }) => ({ path: ev.rawPath }),
        ),
      );

    const refused = await failWith(new HttpError(409, 'already replaying'))({ rawPath: '/ops/x' }, context);
    const broken = await failWith(new Error('secret connection string leaked'))(
      { rawPath: '/ops/y' },
      context,
    );

    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(String(refused.body))).toMatchObject({ status: 409, detail: 'already replaying' });
    expect(broken.statusCode).toBe(500);
    expect(String(broken.body)).not.toContain('secret');
    expect(JSON.parse(String(broken.body))).toMatchObject({ status: 500, detail: 'internal error' });
    expect(error).toHaveBeenCalledWith('request failed', expect.objectContaining({ path: '/ops/y' }));
  });
});
