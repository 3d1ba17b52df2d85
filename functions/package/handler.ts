import middy from '@middy/core';
import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import type { Deps } from '#app/deps.ts';
import { packageArticle } from '#app/package-article.ts';
import { recordRejection } from '#app/record-rejection.ts';
import { MissingAssetError } from '#domain/errors.ts';
import { BusEnvelope, ContentApproved } from '#schemas/events.ts';
import { describeIssues } from '#schemas/issues.ts';

/** ContentApproved → package. Bad events are recorded and dropped; other errors throw so the bus retries. */
export function makeHandler(getDeps: () => Deps) {
  return middy().handler(async (event: unknown): Promise<void> => {
    const deps = getDeps();
    const envelope = BusEnvelope.safeParse(event);
    if (!envelope.success) {
      await recordRejection(deps, 'package', event, describeIssues(envelope.error));
      return;
    }
    const parsed = ContentApproved.safeParse(envelope.data.detail);
    if (!parsed.success) {
      await recordRejection(deps, 'package', envelope.data, describeIssues(parsed.error, 'detail'));
      return;
    }
    try {
      await packageArticle(deps, parsed.data.article);
    } catch (error) {
      if (!(error instanceof MissingAssetError)) throw error;
      await recordRejection(deps, 'package', envelope.data, [error.message]);
    }
  });
}

export const handler = makeHandler(depsFromEnv);
