import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
import { sqsPorts } from '#adapters/aws/wiring/sqs.ts';
import type { Deps } from '#app/deps.ts';
import { recordRejection } from '#app/record-rejection.ts';
import { routePackage } from '#app/route-package.ts';
import { packageReadyProblem } from '#app/verify-package.ts';
import { withdrawnProblem } from '#app/withdraw-article.ts';
import { PackageReady } from '#schemas/events.ts';
import { busEventHandler } from '../bus-event.ts';

/** PackageReady → deliveries per covering agreement × channel, and work on the channel queues. */
export function makeHandler(getDeps: () => Deps) {
  return busEventHandler(getDeps, 'route', PackageReady, async (deps, parsed) => {
    // Only Loa's own package function may announce a package: the manifest must be the one it wrote.
    const forged = await packageReadyProblem(deps, parsed.detail);
    if (forged) {
      await recordRejection(deps, 'route', parsed.envelope, [forged]);
      return;
    }
    // A withdrawn article is never republished: one GetItem of its marker per PackageReady.
    const withdrawn = await withdrawnProblem(deps, parsed.detail.articleId);
    if (withdrawn) {
      await recordRejection(deps, 'route', parsed.envelope, [withdrawn]);
      return;
    }
    const result = await routePackage(deps, parsed.detail);
    deps.logger.info('routed', {
      articleId: parsed.detail.articleId,
      version: parsed.detail.version,
      created: result.created.length,
      alreadyExisted: result.alreadyExisted.length,
    });
  });
}

// S3 (the manifest it verifies) and the queues; no bus, no secrets.
export const handler = makeHandler(lambdaDeps(s3Ports, sqsPorts));
