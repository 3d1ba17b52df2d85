import { NotFoundError } from '#domain/errors.ts';
import { newId } from '#domain/ids.ts';
import type { ReplayAudit } from '#ports/replay-log.ts';
import type { Deps } from './deps.ts';
import { REPLAY_VERSION, type ReplayVersion, reopenOne } from './ops/reopen.ts';

/**
 * An operator's replay of one delivery: reopens it (only from a terminal status, so two replays
 * at once reopen it once), audits who asked, and enqueues a manual attempt. The partner sees the
 * same `webhook-id` as before, so it can de-duplicate. `latest` sends the article's latest routed
 * version instead of the delivery's own. Refusals (suspended or out-of-term agreement, withdrawn
 * article, feed channel, still under way) are ReplayRefusedError with a reason (see ops/reopen.ts).
 */
export async function replayDelivery(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'routing' | 'withdrawals' | 'replays' | 'queue' | 'clock'>,
  deliveryId: string,
  requestedBy: string,
  options: { version?: ReplayVersion } = {},
): Promise<ReplayAudit> {
  const current = await deps.deliveries.get(deliveryId);
  if (!current) throw new NotFoundError(`delivery ${deliveryId} not found`);
  const now = deps.clock.now();
  const replayId = newId('rpl');
  const version = options.version ?? REPLAY_VERSION.original;
  const reopened = await reopenOne(deps, current, { at: now, replayId, version });
  const audit: ReplayAudit = {
    replayId,
    requestedBy,
    requestedAt: now.toISOString(),
    filter: { deliveryId, ...(version !== REPLAY_VERSION.original && { version }) },
    count: 1,
    deliveryIds: [reopened.deliveryId],
    kind: 'one',
  };
  await deps.replays.record(audit);
  return audit;
}
