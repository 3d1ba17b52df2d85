import middy from '@middy/core';
import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import type { Deps } from '#app/deps.ts';
import { recordRejection } from '#app/record-rejection.ts';
import { withdrawArticle } from '#app/withdraw-article.ts';
import { BusEnvelope, ContentWithdrawn } from '#schemas/events.ts';
import { describeIssues } from '#schemas/issues.ts';

/** ContentWithdrawn → withdrawal marker, feed tombstones, webhook takedown notices (docs/webhooks.md). */
export function makeHandler(getDeps: () => Deps) {
  return middy().handler(async (event: unknown): Promise<void> => {
    const deps = getDeps();
    const envelope = BusEnvelope.safeParse(event);
    if (!envelope.success) {
      await recordRejection(deps, 'withdraw', event, describeIssues(envelope.error));
      return;
    }
    const withdrawn = ContentWithdrawn.safeParse(envelope.data.detail);
    if (!withdrawn.success) {
      await recordRejection(deps, 'withdraw', envelope.data, describeIssues(withdrawn.error, 'detail'));
      return;
    }
    const result = await withdrawArticle(deps, withdrawn.data);
    deps.logger.info('withdrawn', {
      articleId: withdrawn.data.articleId,
      marked: result.marked,
      ...result.feeds,
      discarded: result.discarded.length,
      notices: result.notices.length,
    });
  });
}

export const handler = makeHandler(depsFromEnv);
