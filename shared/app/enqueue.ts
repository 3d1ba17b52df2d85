import type { Delivery } from '#domain/delivery.ts';
import { isPushed, type PushChannelType } from '#ports/work-queue.ts';
import type { Deps } from './deps.ts';

/**
 * Enqueues a first (scheduled) attempt of each pushed delivery on its channel's queue, one batch per
 * channel and delay; feed deliveries are skipped (nothing to push).
 */
export async function enqueueGrouped(
  deps: Pick<Deps, 'queue'>,
  deliveries: readonly Delivery[],
  delaySecondsOf: (d: Delivery) => number = () => 0,
  trigger: 'scheduled' | 'manual' = 'scheduled',
): Promise<void> {
  const groups = new Map<string, { channel: PushChannelType; delaySeconds: number; ids: string[] }>();
  for (const d of deliveries) {
    if (!isPushed(d.channelType)) continue;
    const delaySeconds = delaySecondsOf(d);
    const key = `${d.channelType} ${delaySeconds}`;
    const group = groups.get(key) ?? { channel: d.channelType, delaySeconds, ids: [] };
    group.ids.push(d.deliveryId);
    groups.set(key, group);
  }
  for (const { channel, delaySeconds, ids } of groups.values()) {
    await deps.queue.enqueue(
      channel,
      ids.map((deliveryId) => ({ deliveryId, trigger })),
      delaySeconds,
    );
  }
}
