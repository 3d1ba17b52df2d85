import middy from '@middy/core';
import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import type { Deps } from '#app/deps.ts';
import { parseBusEvent } from '#app/record-rejection.ts';
import { withdrawArticle } from '#app/withdraw-article.ts';
import { ContentWithdrawn } from '#schemas/events.ts';

/** ContentWithdrawn → withdrawal marker, feed tombstones, webhook takedown notices (docs/webhooks.md). */
export function makeHandler(getDeps: () => Deps) {
  return middy().handler(async (event: unknown): Promise<void> => {
    const deps = getDeps();
    const parsed = await parseBusEvent(deps, 'withdraw', event, ContentWithdrawn);
    if (!parsed) return;
    const result = await withdrawArticle(deps, parsed.detail);
    deps.logger.info('withdrawn', {
      articleId: parsed.detail.articleId,
      marked: result.marked,
      ...result.feeds,
      discarded: result.discarded.length,
      notices: result.notices.length,
    });
  });
}

export const handler = makeHandler(depsFromEnv);
