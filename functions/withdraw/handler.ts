import { lambdaDeps } from '#adapters/aws/wiring/core.ts';
import { sqsPorts } from '#adapters/aws/wiring/sqs.ts';
import type { Deps } from '#app/deps.ts';
import { withdrawArticle } from '#app/withdraw-article.ts';
import { ContentWithdrawn } from '#schemas/events.ts';
import { busEventHandler } from '../bus-event.ts';

/** ContentWithdrawn → withdrawal marker, feed tombstones, webhook takedown notices (docs/webhooks.md). */
export function makeHandler(getDeps: () => Deps) {
  return busEventHandler(getDeps, 'withdraw', ContentWithdrawn, async (deps, parsed) => {
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

// The table and the queues (takedowns) only.
export const handler = makeHandler(lambdaDeps(sqsPorts));
