import middy from '@middy/core';
import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { eventsPorts } from '#adapters/aws/wiring/events.ts';
import { s3Ports } from '#adapters/aws/wiring/s3.ts';
import type { Deps } from '#app/deps.ts';
import { packageArticle } from '#app/package-article.ts';
import { parseBusEvent, recordRejection } from '#app/record-rejection.ts';
import { withdrawnProblem } from '#app/withdraw-article.ts';
import { sourceRules } from '#config/config.ts';
import { MissingAssetError } from '#domain/errors.ts';
import { VersionConflictError } from '#domain/package-identity.ts';
import { SourceRefusedError } from '#domain/source-buckets.ts';
import { ContentApproved } from '#schemas/events.ts';

/** ContentApproved → package. Bad events are recorded and dropped; other errors throw so the bus retries. */
export function makeHandler(getDeps: () => Deps) {
  return middy().handler(async (event: unknown): Promise<void> => {
    const deps = getDeps();
    const parsed = await parseBusEvent(deps, 'package', event, ContentApproved);
    if (!parsed) return;
    // A withdrawn article is never republished, so a new version is not even packaged (one GetItem).
    const withdrawn = await withdrawnProblem(deps, parsed.detail.article.articleId);
    if (withdrawn) {
      await recordRejection(deps, 'package', parsed.envelope, [withdrawn]);
      return;
    }
    try {
      await packageArticle(deps, parsed.detail.article, sourceRules(deps.config));
    } catch (error) {
      // A missing asset, a source off the allow-list, or a packaged version approved again with other
      // content: recorded, not retried.
      if (
        !(
          error instanceof MissingAssetError ||
          error instanceof VersionConflictError ||
          error instanceof SourceRefusedError
        )
      )
        throw error;
      await recordRejection(deps, 'package', parsed.envelope, [error.message]);
    }
  });
}

// S3 (assets, manifest) and the bus (PackageReady); no queue, no secrets.
export const handler = makeHandler(lambdaDeps(s3Ports, eventsPorts));
