import type { Delivery } from '#domain/delivery.ts';
import { isPushed, type PushChannelType, routedOf, type WorkMessage } from '#ports/work-queue.ts';
import type { Deps } from './deps.ts';

/**
 * Enqueues a first (scheduled) attempt of each pushed delivery on its channel's queue, one batch per
 * channel and delay; feed deliveries are skipped (nothing to push). An unstored delivery (routing wrote
 * no item for it) goes on its message whole (WorkMessage.routed).
 */
export async function enqueueGrouped(
  deps: Pick<Deps, 'queue'>,
  deliveries: readonly Delivery[],
  delaySecondsOf: (d: Delivery) => number = () => 0,
  trigger: 'scheduled' | 'manual' = 'scheduled',
): Promise<void> {
  const groups = new Map<
    string,
    { channel: PushChannelType; delaySeconds: number; messages: WorkMessage[] }
  >();
  for (const d of deliveries) {
    if (!isPushed(d.channelType)) continue;
    const delaySeconds = delaySecondsOf(d);
    const key = `${d.channelType} ${delaySeconds}`;
    const group = groups.get(key) ?? { channel: d.channelType, delaySeconds, messages: [] };
    group.messages.push({
      deliveryId: d.deliveryId,
      trigger,
      ...(d.unstored && { routed: routedOf(d) }),
    });
    groups.set(key, group);
  }
  for (const { channel, delaySeconds, messages } of groups.values()) {
    await deps.queue.enqueue(channel, messages, delaySeconds);
  }
}
