import type { Delivery } from '#domain/delivery.ts';
import { isPushed } from '#ports/work-queue.ts';
import type { Deps } from './deps.ts';
import { enqueueGrouped } from './enqueue.ts';

interface SweepOptions {
  /**
   * Leave alone a delivery written less than this long ago, or (when nothing says whether a message
   * holds it) due less than this long ago: its message is most likely on the queue or being worked.
   */
  staleAfterMs: number;
  /**
   * Whether a queued message already holds the delivery. The local runtime can tell; SQS cannot, so
   * on AWS the age alone decides.
   */
  isHeld?: (deliveryId: string) => boolean;
  /** Most deliveries looked at in one sweep. */
  limit?: number;
}

export interface SweepResult {
  examined: number;
  requeued: string[];
}

/**
 * When a delivery is due: once its carried retries are over at the latest (their messages write
 * nothing until the end: Delivery.retriesEndBy), else its scheduled attempt, else its last write.
 */
const dueAt = (d: Delivery) => Date.parse(d.retriesEndBy ?? d.nextAttemptAt ?? d.updatedAt);

/**
 * Puts back on its channel's queue every unfinished (pending or retrying) pushed delivery that nothing holds:
 * its message was lost (a crash between creating a delivery and enqueueing it, a message dead-lettered
 * after its worker kept failing). Together with the queue's visibility timeout this is the lease: a
 * delivery is never stuck, and a worker re-reads it before sending, so a copy that meets a finished
 * delivery ends without a request. Reads the agreements' open lists (a Query per agreement). A
 * delivery never attempted is not on them: routing's own mark re-enqueues what a failed route created
 * (routePackage), and one whose worker kept throwing is failed on its message's last receive
 * (functions/deliver.ts), or, when even that write fails, waits on the dead-letter queue for an
 * operator's redrive (docs/reliability.md).
 */
export async function sweepUnfinished(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'queue' | 'clock' | 'logger'>,
  options: SweepOptions,
): Promise<SweepResult> {
  const now = deps.clock.now().getTime();
  // Every agreement's open list, whatever its status: an ended one's deliveries still end (discarded).
  const agreementIds = (await deps.agreements.list()).map((a) => a.agreementId);
  const unfinished = await deps.deliveries.listUnfinished(options.limit ?? 10_000, agreementIds);
  const stale = unfinished.filter((d) => {
    if (!isPushed(d.channelType)) return false;
    if (options.isHeld)
      return !options.isHeld(d.deliveryId) && now - Date.parse(d.updatedAt) >= options.staleAfterMs;
    return now - dueAt(d) >= options.staleAfterMs;
  });
  // Together, one enqueue per channel kind and delay (the queue sends ten to a SendMessageBatch),
  // rather than one call per delivery. Whole seconds, as SQS delays are (rounded up, never early).
  await enqueueGrouped(deps, stale, (d) => Math.max(0, Math.ceil((dueAt(d) - now) / 1000)));
  if (stale.length) {
    deps.logger.warn('re-enqueued unfinished deliveries nothing held', {
      count: stale.length,
      examined: unfinished.length,
    });
  }
  return { examined: unfinished.length, requeued: stale.map((d) => d.deliveryId) };
}
