import type { Attempt, Delivery } from '#domain/delivery.ts';
import { DETAIL_TYPE, type OutgoingEvent, SOURCE } from '#schemas/events.ts';

/** The event that announces a delivery's final outcome. */
export function finalEvent(
  d: Delivery,
  status: 'delivered' | 'failed',
  attempt: Attempt,
  error: string | undefined,
): OutgoingEvent {
  const ref = {
    deliveryId: d.deliveryId,
    agreementId: d.agreementId,
    channelId: d.channelId,
    articleId: d.articleId,
    version: d.version,
  };
  const { n: attempts, at } = attempt;
  return status === 'delivered'
    ? { source: SOURCE.delivery, detailType: DETAIL_TYPE.deliverySucceeded, detail: { ...ref, attempts, at } }
    : {
        source: SOURCE.delivery,
        detailType: DETAIL_TYPE.deliveryFailed,
        detail: { ...ref, attempts, error: error ?? 'failed', at },
      };
}
