import middy from '@middy/core';
import { depsFromEnv } from '#adapters/aws/build-deps.ts';
import type { Deps } from '#app/deps.ts';
import { recordRejection } from '#app/record-rejection.ts';
import { withdrawFromFeeds } from '#app/withdraw-from-feeds.ts';
import { BusEnvelope, ContentWithdrawn } from '#schemas/events.ts';
import { describeIssues } from '#schemas/issues.ts';

/** ContentWithdrawn → the article's feed items become tombstones. Other channels: see docs/feeds.md. */
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
    const result = await withdrawFromFeeds(deps, withdrawn.data);
    deps.logger.info('withdrawn from feeds', { articleId: withdrawn.data.articleId, ...result });
  });
}

export const handler = makeHandler(depsFromEnv);
