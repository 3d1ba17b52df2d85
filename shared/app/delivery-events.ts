import type { Attempt, Delivery } from '#domain/delivery.ts';
import { DETAIL_TYPE, type OutgoingEvent, SOURCE } from '#schemas/events.ts';

/**
 * The event that announces a delivery's final outcome, if any: a failure is announced
 * (`DeliveryFailed`, which operators and the local terminal read); a success is not. Nothing on AWS
 * consumed a per-delivery success event, and it cost $1 per million deliveries in EventBridge entries:
 * the delivery's record and the `delivered` metric say the same (docs/reliability.md).
 */
export function finalEvent(
  d: Delivery,
  status: 'delivered' | 'failed',
  attempt: Attempt,
  error: string | undefined,
): OutgoingEvent | undefined {
  if (status === 'delivered') return undefined;
  return {
    source: SOURCE.delivery,
    detailType: DETAIL_TYPE.deliveryFailed,
    detail: {
      deliveryId: d.deliveryId,
      agreementId: d.agreementId,
      channelId: d.channelId,
      articleId: d.articleId,
      version: d.version,
      attempts: attempt.n,
      error: error ?? 'failed',
      at: attempt.at,
    },
  };
}
