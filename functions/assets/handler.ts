import middy from '@middy/core';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
import { secretsPorts } from '#adapters/aws/wiring/secrets.ts';
import type { Deps } from '#app/deps.ts';
import { serveAsset } from '#app/serve-asset.ts';
import { type HttpEvent, type HttpResponse, problem } from '../http.ts';

/** `GET /assets/{agreementId}/{asset}?expires&kid&sig` → 302 to a presigned URL, or 403 (410 once withdrawn) with a reason. */
export function makeHandler(getDeps: () => Deps) {
  return middy<HttpEvent, HttpResponse>().handler(async (event): Promise<HttpResponse> => {
    const deps = getDeps();
    const answer = await serveAsset(deps, {
      path: event.rawPath,
      agreementId: event.pathParameters?.agreementId ?? '',
      assetSegment: event.pathParameters?.assetId ?? '',
      // The raw query, not API Gateway's decoded copy: `kid=%6B1` must not pass for `kid=k1`.
      rawQuery: event.rawQueryString ?? '',
    });
    if (!answer.ok) return problem(answer.status ?? 403, answer.reason);
    return { statusCode: 302, headers: { location: answer.location, 'cache-control': 'no-store' }, body: '' };
  });
}

// S3 (presigned links) and the secrets that sign links; no queue, no bus.
export const handler = makeHandler(lambdaDeps(s3Ports, secretsPorts));
