import { ConflictError, NotFoundError } from '#domain/errors.ts';
import { newId } from '#domain/ids.ts';
import type { ReplayAudit } from '#ports/delivery-store.ts';
import type { Deps } from './deps.ts';

/**
 * An operator's replay of one delivery: reopens it (only from a terminal status, so two replays
 * at once reopen it once), audits who asked, and enqueues a manual attempt. The partner sees the
 * same `webhook-id` as before, so it can de-duplicate.
 */
export async function replayDelivery(
  deps: Pick<Deps, 'agreements' | 'deliveries' | 'queue' | 'clock'>,
  deliveryId: string,
  requestedBy: string,
): Promise<ReplayAudit> {
  const current = await deps.deliveries.get(deliveryId);
  if (!current) throw new NotFoundError(`delivery ${deliveryId} not found`);
  const agreement = await deps.agreements.get(current.agreementId);
  if (agreement?.status !== 'active') {
    throw new ConflictError(
      `agreement ${current.agreementId} is ${agreement?.status ?? 'gone'}: nothing is sent under it`,
    );
  }
  const at = deps.clock.now().toISOString();
  const reopened = await deps.deliveries.reopenForReplay(deliveryId, at);
  if (!reopened)
    throw new ConflictError(
      `delivery ${deliveryId} is ${current.status}: only a finished delivery can be replayed`,
    );
  const audit: ReplayAudit = {
    replayId: newId('rpl'),
    requestedBy,
    requestedAt: at,
    filter: { deliveryId },
    count: 1,
    deliveryIds: [deliveryId],
  };
  await deps.deliveries.recordReplay(audit);
  if (reopened.channelType === 'webhook') {
    await deps.queue.enqueue('webhook', [{ deliveryId, trigger: 'manual' }]);
  }
  return audit;
}
