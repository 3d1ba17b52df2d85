import type { Deps } from '#app/deps.ts';

/**
 * After a restart, puts back on the queue every delivery still pending or retrying, at its due
 * time. Workers are idempotent (conditional writes, a stable webhook-id), so re-enqueueing one
 * that is also still queued costs at most a lost race.
 */
export async function recoverUnfinished(
  deps: Pick<Deps, 'deliveries' | 'queue' | 'clock' | 'logger'>,
): Promise<number> {
  const unfinished = await deps.deliveries.listUnfinished(10_000);
  const now = deps.clock.now().getTime();
  for (const d of unfinished) {
    if (d.channelType !== 'webhook') continue;
    const delaySeconds = d.nextAttemptAt ? Math.max(0, (Date.parse(d.nextAttemptAt) - now) / 1000) : 0;
    await deps.queue.enqueue('webhook', [{ deliveryId: d.deliveryId, trigger: 'scheduled' }], delaySeconds);
  }
  if (unfinished.length) deps.logger.info('re-enqueued unfinished deliveries', { count: unfinished.length });
  return unfinished.length;
}
