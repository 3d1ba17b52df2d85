import middy from '@middy/core';
import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import type { Deps } from '#app/deps.ts';
import { recordRejection } from '#app/record-rejection.ts';
import { routePackage } from '#app/route-package.ts';
import { withdrawnProblem } from '#app/withdraw-article.ts';
import { BusEnvelope, PackageReady } from '#schemas/events.ts';
import { describeIssues } from '#schemas/issues.ts';

/** PackageReady → deliveries per covering agreement × channel, and work on the channel queues. */
export function makeHandler(getDeps: () => Deps) {
  return middy().handler(async (event: unknown): Promise<void> => {
    const deps = getDeps();
    const envelope = BusEnvelope.safeParse(event);
    if (!envelope.success) {
      await recordRejection(deps, 'route', event, describeIssues(envelope.error));
      return;
    }
    const ready = PackageReady.safeParse(envelope.data.detail);
    if (!ready.success) {
      await recordRejection(deps, 'route', envelope.data, describeIssues(ready.error, 'detail'));
      return;
    }
    // A withdrawn article is never republished: one GetItem of its marker per PackageReady.
    const withdrawn = await withdrawnProblem(deps, ready.data.articleId);
    if (withdrawn) {
      await recordRejection(deps, 'route', envelope.data, [withdrawn]);
      return;
    }
    const result = await routePackage(deps, ready.data);
    deps.logger.info('routed', {
      articleId: ready.data.articleId,
      version: ready.data.version,
      created: result.created.length,
      alreadyExisted: result.alreadyExisted.length,
    });
  });
}

export const handler = makeHandler(depsFromEnv);
