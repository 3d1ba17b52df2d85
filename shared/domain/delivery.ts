import type { ChannelType } from '#schemas/agreement.ts';
import { mayRetry, nextDelayMs, type RetryPolicy } from './retry-policy.ts';

/**
 * A delivery moves pending → delivered | retrying → … → failed. `discarded` means it will never be
 * sent and is kept apart from failed. `held` waits, without attempts, for a paused endpoint (domain/
 * pause.ts) to be resumed, then goes back to pending; it is not terminal. `sending` is not written: the queue's visibility timeout is
 * the lease. A push routing sends at once is not written before its first attempt either (its message
 * carries it: `unstored`), which keeps a successful delivery at one write, its outcome's.
 */
export const DELIVERY_STATUS = {
  pending: 'pending',
  retrying: 'retrying',
  delivered: 'delivered',
  failed: 'failed',
  discarded: 'discarded',
  held: 'held',
} as const;
export type DeliveryStatus = (typeof DELIVERY_STATUS)[keyof typeof DELIVERY_STATUS];

export const TERMINAL: readonly DeliveryStatus[] = ['delivered', 'failed', 'discarded'];
/** Statuses a worker may attempt from. */
export const ATTEMPTABLE: readonly DeliveryStatus[] = ['pending', 'retrying'];
/**
 * Statuses on an agreement's open list (docs/data-model.md): not through yet, or through without
 * arriving. An operator's status lists, the sweeper and the catch-up read it; `delivered` and
 * `discarded` are read from the agreement's list of all deliveries.
 */
export const OPEN: readonly DeliveryStatus[] = ['pending', 'retrying', 'held', 'failed'];

/**
 * Whether a delivery is on its agreement's lists from its creation. One routing created to go now
 * goes onto them at its first write after creation (its first attempt's outcome, a hold, a discard):
 * until then it is on the queue, found by its article and its id, and a successful delivery pays
 * for one list entry instead of two (docs/data-model.md, "What a delivery costs"). One that waits
 * (an embargo it may not go before: `nextAttemptAt`) is listed at once, so operators see it waiting.
 */
export const listedAtCreate = (d: Pick<Delivery, 'status' | 'attemptCount' | 'nextAttemptAt'>): boolean =>
  d.status !== 'pending' || d.attemptCount > 0 || d.nextAttemptAt !== undefined;

const NEXT: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  pending: ['delivered', 'retrying', 'failed', 'discarded', 'held'],
  retrying: ['delivered', 'retrying', 'failed', 'discarded', 'held'],
  // Released by a resume, a successful probe, or its own message once the endpoint is up again.
  held: ['pending'],
  // Terminal statuses move only by an operator's replay, back to pending.
  delivered: ['pending'],
  failed: ['pending'],
  discarded: ['pending'],
};

/** Whether the status machine allows `from → to`. */
export function canMove(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return NEXT[from].includes(to);
}

/** What started an attempt: the schedule (the first send, a retry, the sweeper) or an operator's replay. */
type AttemptTrigger = 'scheduled' | 'manual';

/** One try of a delivery. */
export interface Attempt {
  n: number;
  at: string;
  trigger: AttemptTrigger;
  outcome: 'delivered' | 'retry' | 'failed';
  httpStatus?: number;
  error?: string;
  durationMs: number;
  /** Set when no request was made: the partner's circuit was open (the attempt counts all the same). */
  skipped?: 'circuit-open';
}

export type DeliveryKind = 'publish' | 'withdrawal';

/** One (agreement, channel, article version): the unit whose status is tracked. */
export interface Delivery {
  deliveryId: string;
  agreementId: string;
  partnerId: string;
  channelId: string;
  channelType: ChannelType;
  articleId: string;
  version: number;
  title: string;
  manifest: { bucket: string; key: string };
  status: DeliveryStatus;
  /**
   * What is sent: the article (`publish`, the default when absent) or a takedown notice for a version
   * the partner has (`withdrawal`, made by ContentWithdrawn; see domain/withdrawal.ts).
   */
  kind?: DeliveryKind;
  /** Webhook publish: `article.updated` when the partner already had an older version (routing decides). */
  event?: 'article.updated';
  /**
   * A publish on a pushed channel (webhook, broadcast, social) whose partner already has an older
   * version: which one, and what the channel called it. Routing sets it; the adapter corrects or
   * replaces what `remoteId` names (docs/social.md, docs/broadcast.md).
   */
  supersedes?: { version: number; remoteId?: string };
  /**
   * What the channel calls what this delivery created, from the outcome that delivered it: an X post
   * id, a Facebook post id, a Zalo article id, the broadcast item's key or URL.
   */
  remoteId?: string;
  /** A withdrawal on a channel that keeps posts: every post id the partner's account shows for the article. */
  takedown?: { remoteIds: string[] };
  /** Attempts made so far; the optimistic-lock counter for outcome writes. */
  attemptCount: number;
  /** The most recent attempts, newest last (bounded; older ones are summarised by attemptCount). */
  attempts: Attempt[];
  createdAt: string;
  updatedAt: string;
  nextAttemptAt?: string;
  lastError?: string;
  replayCount: number;
  /** Why routing created this delivery (see routing.ts). */
  reason: string;
  /** The article's embargo, as PackageReady stated it. */
  embargoUntil?: string;
  /** Feed channel: when the item enters the partner's feed (routing, or the embargo's end). */
  feedAt?: string;
  /** Feed channel: the newer version whose entry replaced this one in the feed (one entry per article). */
  supersededBy?: number;
  /** Feed channel: when a pull first returned the item, the partner's acknowledgement. */
  firstPulledAt?: string;
  /** When the CMS withdrew the article (ContentWithdrawn), and its reason, for operators. */
  withdrawnAt?: string;
  withdrawReason?: string;
  /** Downloads of its assets through the signed asset URL. */
  downloads?: number;
  lastDownloadedAt?: string;
  /** When an operator's replay last reopened it, and which replay (audit id) did. */
  lastReplayAt?: string;
  lastReplayId?: string;
  /**
   * Retrying: when the attempts after the first failure are over at the latest. Those attempts ride on
   * their queue messages (WorkMessage.carry) and are written only at the end, so the sweeper leaves a
   * retrying delivery alone until then.
   */
  retriesEndBy?: string;
  /**
   * Never stored: the attempt count the stored item has, when the worker carries later attempts on the
   * message (`attemptCount` then counts those too). Outcome writes are conditional on it.
   */
  storedAttemptCount?: number;
  /**
   * Never stored: no item exists yet. Routing names a delivery it sends at once in its record and puts
   * the delivery on its queue message rather than writing it (docs/data-model.md, "A delivery written by
   * its first attempt"); the first write (an outcome, a hold, a wait, a discard) creates the item, on
   * the condition that none exists, so a late worker and a withdrawal or newer version cannot both write.
   */
  unstored?: true;
}

/** The attempt count a conditional write on `d` expects to find stored. */
export const storedCount = (d: Pick<Delivery, 'attemptCount' | 'storedAttemptCount'>): number =>
  d.storedAttemptCount ?? d.attemptCount;

/** How many attempts we keep on the delivery item itself. */
export const MAX_ATTEMPTS_KEPT = 20;

/** What one attempt came to, in the policy's terms. The worker schedules, records and announces it;
 * channel adapters (ports/channel-adapter.ts) return it. */
export interface ChannelOutcome {
  verdict: 'delivered' | 'retry' | 'failed';
  /**
   * Short, for operators: `HTTP 503`, `X 403 duplicate content`, `Zalo -216 access token invalid`,
   * `timeout`. Never a token, a signature or a body we sent.
   */
  error?: string;
  /** The status of the answer that decided the verdict, when there was one. */
  httpStatus?: number;
  /** The other side's own wait before the next try (Retry-After, a rate-limit reset), in ms from now. */
  waitMs?: number;
  /**
   * What the other side calls what a publish created (X post id, Facebook post id, Zalo article id,
   * the broadcast item's key or URL). Stored on the delivery; corrections and takedowns act on it.
   */
  remoteId?: string;
  durationMs: number;
  /** No answer at all (timeout, connection refused or reset): counted against the endpoint's circuit. */
  noAnswer?: boolean;
}

/** How an attempt was made, beyond what the channel answered. */
export interface AttemptContext {
  trigger: AttemptTrigger;
  now: Date;
  policy: RetryPolicy;
  /** The delivery will never be sent (its agreement, channel or article is gone): discarded, whatever the verdict. */
  discard?: boolean;
  /** No request was made: the partner's circuit was open. */
  skipped?: Attempt['skipped'];
  /** The jitter's draw (domain/retry-policy.ts). */
  random?: () => number;
}

/** The one conditional write an attempt makes: the next status, the attempt, and what goes with them. */
interface OutcomeStep {
  status: 'delivered' | 'retrying' | 'failed' | 'discarded';
  attempt: Attempt;
  /** Retrying: when the next attempt is due (its message is enqueued `delayMs` from now). */
  nextAttemptAt?: string;
  delayMs?: number;
  lastError?: string;
  remoteId?: string;
}

/**
 * What one attempt's outcome makes of a delivery: retrying with the next attempt scheduled while the
 * policy allows another (by count, and by age within the current round), else delivered or failed;
 * discarded when the context says so. Undefined when the status machine does not let the delivery
 * move there (it is no longer attemptable): there is nothing to write.
 */
export function applyOutcome(
  d: Delivery,
  outcome: ChannelOutcome,
  ctx: AttemptContext,
): OutcomeStep | undefined {
  const { now, policy } = ctx;
  const n = d.attemptCount + 1;
  const { verdict, error } = outcome;
  const attempt: Attempt = {
    n,
    at: now.toISOString(),
    trigger: ctx.trigger,
    outcome: verdict,
    durationMs: outcome.durationMs,
    ...(outcome.httpStatus !== undefined && { httpStatus: outcome.httpStatus }),
    ...(error && { error }),
    ...(ctx.skipped && { skipped: ctx.skipped }),
  };
  const ageMs = now.getTime() - roundStartedAt(d, now);
  let step: OutcomeStep;
  if (!ctx.discard && verdict === 'retry' && mayRetry(policy, n, ageMs)) {
    const delayMs = nextDelayMs(policy, n, outcome.waitMs, ctx.random);
    const nextAttemptAt = new Date(now.getTime() + delayMs).toISOString();
    step = { status: 'retrying', attempt, nextAttemptAt, delayMs, lastError: error };
  } else {
    const status = ctx.discard ? 'discarded' : verdict === 'delivered' ? 'delivered' : 'failed';
    step = {
      status,
      attempt,
      ...(error && { lastError: error }),
      ...(status === 'delivered' && outcome.remoteId && { remoteId: outcome.remoteId }),
    };
  }
  return canMove(d.status, step.status) ? step : undefined;
}

/** When the current round of attempts began: the operator's latest replay, else the first attempt, else now. */
export function roundStartedAt(d: Delivery, now: Date): number {
  const manual = d.attempts.findLast((a) => a.trigger === 'manual');
  const first = manual ?? d.attempts[0];
  return first ? Date.parse(first.at) : now.getTime();
}
