import type { DeliveryStatus } from '#domain/delivery.ts';
import type { DeliveryPage } from './delivery-store.ts';

/** The `channel` filter value that means every pushed kind (webhook, broadcast, social): feeds are pulled. */
export const PUSHED_CHANNELS = 'pushed';

/** What operators filter deliveries by; times bound `updatedAt` (when it last changed), both ends included. */
export interface DeliveryFilter {
  status?: DeliveryStatus;
  /** A channel id (`webhook-2`), a channel kind (`webhook`, `feed`), or `pushed` (every kind but feed). */
  channel?: string;
  articleId?: string;
  since?: string;
  until?: string;
}

/** The operators' filtered reads of an agreement's deliveries (read only). */
export interface DeliveryQueries {
  /** One page of an agreement's deliveries matching `filter`, newest first (by status: last changed first). */
  findByAgreement(
    agreementId: string,
    filter: DeliveryFilter,
    page: { limit: number; cursor?: string },
  ): Promise<DeliveryPage>;
  /** How many of an agreement's deliveries match `filter`. */
  countByAgreement(agreementId: string, filter: DeliveryFilter): Promise<number>;
  /** When each of an agreement's deliveries now in `status` got there, for those changed since `since`. */
  statusTimes(agreementId: string, status: DeliveryStatus, since: string): Promise<string[]>;
}
