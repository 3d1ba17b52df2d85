import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '#config/config.ts';
import type { AgreementHistory } from '#ports/agreement-history.ts';
import type { AgreementStore } from '#ports/agreement-store.ts';
import type { CircuitStore } from '#ports/circuit-store.ts';
import type { Clock } from '#ports/clock.ts';
import type { DeliveryQueries } from '#ports/delivery-queries.ts';
import type { DeliveryStore } from '#ports/delivery-store.ts';
import type { EventPublisher } from '#ports/event-publisher.ts';
import type { FactLedger } from '#ports/fact-store.ts';
import type { FeedIndex } from '#ports/feed-index.ts';
import type { HttpClient } from '#ports/http-client.ts';
import type { JobQueue } from '#ports/job-queue.ts';
import type { JobStore } from '#ports/job-store.ts';
import type { PackageStore } from '#ports/package-store.ts';
import type { RejectionStore } from '#ports/rejection-store.ts';
import type { ReplayLog } from '#ports/replay-log.ts';
import type { RoutingLog } from '#ports/routing-log.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { WithdrawalStore } from '#ports/withdrawal-store.ts';
import type { WorkQueue } from '#ports/work-queue.ts';

/** Every port a handler may need, built once per cold start (or once by the local runtime). */
export interface Deps {
  config: Config;
  agreements: AgreementStore;
  /** Every change of an agreement, with who and when. */
  history: AgreementHistory;
  deliveries: DeliveryStore;
  /** Operators' filtered reads of deliveries (pages, counts, status times). */
  deliveryQueries: DeliveryQueries;
  /** Feed-channel deliveries by feed position. */
  feedIndex: FeedIndex;
  /** Articles' withdrawal markers. */
  withdrawals: WithdrawalStore;
  /** Routing's decisions per article version. */
  routing: RoutingLog;
  /** The audit of operators' replays. */
  replays: ReplayLog;
  packages: PackageStore;
  publisher: EventPublisher;
  queue: WorkQueue;
  secrets: SecretStore;
  http: HttpClient;
  rejections: RejectionStore;
  /** Operator jobs (bulk replay, backfill) and the queue that moves them on. */
  jobStore: JobStore;
  jobs: JobQueue;
  /** The sealed ledger of delivery facts that reports read (docs/reports.md). */
  facts: FactLedger;
  /** Circuits shared by every worker of a channel kind; absent, each worker keeps its own. */
  circuits?: CircuitStore;
  clock: Clock;
  logger: Logger;
}
