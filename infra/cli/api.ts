/**
 * What the ops API answers, as the CLI reads it: the use cases' own result types, imported as types
 * only (nothing of zod or the app reaches the bundle). Where a route wraps a result (`{items}`,
 * `{replay}`), the wrapper is written here as the route writes it.
 */
import type { CreatedAgreement } from '#app/create-agreement.ts';
import type { mintFeedUrl } from '#app/feed-keys.ts';
import type { PartnerView } from '#app/ops/agreements.ts';
import type { startBackfill } from '#app/ops/backfill.ts';
import type { StartReplayResult } from '#app/ops/bulk-replay.ts';
import type { channelStates, ResumeResult } from '#app/ops/catch-up.ts';
import type { explainRouting, previewRoute } from '#app/ops/explain.ts';
import type { agreementHealth } from '#app/ops/health.ts';
import type { jobView } from '#app/ops/job-runner.ts';
import type { replayStatus } from '#app/ops/replay-status.ts';
import type { Delivery } from '#domain/delivery.ts';
import type { DeliveryPage } from '#ports/delivery-store.ts';
import type { Rejection } from '#ports/rejection-store.ts';
import type { ReplayAudit } from '#ports/replay-log.ts';
import type { Agreement } from '#schemas/agreement.ts';

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;

export type { Agreement, Delivery, DeliveryPage, PartnerView, Rejection, ReplayAudit, ResumeResult };
export interface Items<T> {
  items: T[];
}

/** `GET /ops/agreements/{id}`: the agreement and each channel's circuit. */
export type AgreementWithStates = Agreement & { channelStates: Answer<typeof channelStates> };
/** `POST /ops/agreements`: the agreement, and the secrets Loa generated (shown once). */
export interface CreatedAnswer {
  agreement: Agreement;
  secrets: CreatedAgreement['generatedSecrets'];
}
/** `GET /ops/deliveries/{id}/attempts`. */
export type AttemptsAnswer = Pick<Delivery, 'deliveryId' | 'status' | 'attemptCount' | 'replayCount'> & {
  items: Delivery['attempts'];
};
/** A replay or backfill job as the API shows it. */
export type JobView = ReturnType<typeof jobView>;
/** `GET /ops/replays/{id}`: a job, or the finished replay of one delivery seen as one. */
export type ReplayStatus = Answer<typeof replayStatus>;
export type { StartReplayResult };
export type BackfillAnswer = Answer<typeof startBackfill>;
export type WhyAnswer = Answer<typeof explainRouting>;
export type PreviewAnswer = Answer<typeof previewRoute>;
export type FeedUrlAnswer = Answer<typeof mintFeedUrl>;
export type HealthAnswer = Answer<typeof agreementHealth>;
