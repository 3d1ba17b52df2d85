import { CircuitBreakers, endpointOf } from '#domain/circuit-breaker.ts';
import { ATTEMPTABLE, type Attempt, type Delivery, type DeliveryStatus } from '#domain/delivery.ts';
import { webhookMessageId } from '#domain/ids.ts';
import { classifyHttpStatus, mayRetry, nextDelayMs, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { TargetRefusedError, targetUrlProblem } from '#domain/target-policy.ts';
import { signWebhook } from '#domain/webhook-signature.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import type { HttpResult } from '#ports/http-client.ts';
import type { WorkMessage } from '#ports/work-queue.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { DETAIL_TYPE, type OutgoingEvent, SOURCE } from '#schemas/events.ts';
import type { Deps } from './deps.ts';
import { TtlCache } from './read-cache.ts';
import { WEBHOOK_EVENT, webhookBody, withdrawalBody } from './webhook-payload.ts';
import { WITHDRAWN_DISCARD_REASON } from './withdraw-article.ts';

export type DeliverResult =
  | { kind: 'skipped'; why: string }
  | { kind: 'deferred'; delaySeconds: number }
  | { kind: 'recorded'; status: DeliveryStatus; event?: OutgoingEvent }
  | { kind: 'lost-race' };

type Verdict = Attempt['outcome'];

/** Immutable manifests, cached per warm container: a fan-out of one article reads it once. */
const manifests = new Map<string, NinjsDocument>();

async function manifestOf(deps: Pick<Deps, 'packages'>, key: string): Promise<NinjsDocument> {
  let doc = manifests.get(key);
  if (!doc) {
    doc = JSON.parse(await deps.packages.getManifest(key)) as NinjsDocument;
    if (manifests.size > 500) manifests.clear();
    manifests.set(key, doc);
  }
  return doc;
}

/** One set of circuits per worker (per cold start; per local runtime), keyed by its configuration. */
const breakers = new WeakMap<object, CircuitBreakers>();

/**
 * Per worker (per deps): agreements for 10 s, so a suspension stops sends within 10 s; withdrawal
 * markers for 2 s, which widens the send-versus-takedown race (docs/webhooks.md) from one HTTP call
 * to at most 2 s, in exchange for two fewer reads per delivery.
 */
const AGREEMENT_TTL_MS = 10_000;
const WITHDRAWAL_TTL_MS = 2_000;
const readCaches = new WeakMap<
  object,
  { agreements: TtlCache<Agreement | undefined>; withdrawn: TtlCache<boolean> }
>();

function cachesOf(deps: Pick<Deps, 'config'>) {
  let c = readCaches.get(deps.config);
  if (!c) {
    c = { agreements: new TtlCache(AGREEMENT_TTL_MS), withdrawn: new TtlCache(WITHDRAWAL_TTL_MS) };
    readCaches.set(deps.config, c);
  }
  return c;
}

function breakersOf(deps: Pick<Deps, 'config'>): CircuitBreakers {
  let b = breakers.get(deps.config);
  if (!b) {
    b = new CircuitBreakers(deps.config.circuitBreaker);
    breakers.set(deps.config, b);
  }
  return b;
}

function verdictOf(result: HttpResult): { verdict: Verdict; error?: string } {
  if (result.kind === 'network-error') return { verdict: 'retry', error: result.error };
  const verdict = classifyHttpStatus(result.status);
  return verdict === 'delivered' ? { verdict } : { verdict, error: `HTTP ${result.status}` };
}

/** When the current round of attempts began: the operator's latest replay, else the first attempt, else now. */
function roundStartedAt(d: Delivery, now: Date): number {
  const manual = d.attempts.findLast((a) => a.trigger === 'manual');
  const first = manual ?? d.attempts[0];
  return first ? Date.parse(first.at) : now.getTime();
}

/** How long past due a delivery is: its scheduled time, or its last change when it has none. */
function overdueMs(d: Delivery, now: Date): number {
  return now.getTime() - Date.parse(d.nextAttemptAt ?? d.updatedAt);
}

/** What one attempt came to, before it is written. */
interface Outcome {
  verdict: Verdict;
  error?: string;
  httpStatus?: number;
  durationMs: number;
  /** The partner's own wait (Retry-After, rate-limit reset), or the circuit's. */
  waitMs?: number;
  skipped?: Attempt['skipped'];
}

/**
 * Writes an attempt's outcome with one conditional write: delivered, failed, or retrying with the
 * next attempt scheduled (and enqueued) per the policy. Returns the event to announce a final outcome.
 */
async function record(
  deps: Deps,
  d: Delivery,
  msg: WorkMessage,
  now: Date,
  outcome: Outcome,
  status?: 'discarded',
): Promise<DeliverResult> {
  const at = now.toISOString();
  const n = d.attemptCount + 1;
  const { verdict, error } = outcome;
  const attempt: Attempt = {
    n,
    at,
    trigger: msg.trigger,
    outcome: verdict,
    durationMs: outcome.durationMs,
    ...(outcome.httpStatus !== undefined && { httpStatus: outcome.httpStatus }),
    ...(error && { error }),
    ...(outcome.skipped && { skipped: outcome.skipped }),
  };
  const policy = deps.config.retryPolicy;
  const ageMs = now.getTime() - roundStartedAt(d, now);
  if (!status && verdict === 'retry' && mayRetry(policy, n, ageMs)) {
    const delayMs = nextDelayMs(policy, n, outcome.waitMs);
    const nextAttemptAt = new Date(now.getTime() + delayMs).toISOString();
    const ok = await deps.deliveries.recordOutcome(d, {
      status: 'retrying',
      attempt,
      nextAttemptAt,
      lastError: error,
    });
    if (!ok) return { kind: 'lost-race' };
    await deps.queue.enqueue('webhook', [{ deliveryId: d.deliveryId, trigger: 'scheduled' }], delayMs / 1000);
    return { kind: 'recorded', status: 'retrying' };
  }
  const final = status ?? (verdict === 'delivered' ? 'delivered' : 'failed');
  const ok = await deps.deliveries.recordOutcome(d, {
    status: final,
    attempt,
    ...(error && { lastError: error }),
  });
  if (!ok) return { kind: 'lost-race' };
  if (final === 'discarded') return { kind: 'recorded', status: final };
  const ref = {
    deliveryId: d.deliveryId,
    agreementId: d.agreementId,
    channelId: d.channelId,
    articleId: d.articleId,
    version: d.version,
  };
  const event: OutgoingEvent =
    final === 'delivered'
      ? {
          source: SOURCE.delivery,
          detailType: DETAIL_TYPE.deliverySucceeded,
          detail: { ...ref, attempts: n, at },
        }
      : {
          source: SOURCE.delivery,
          detailType: DETAIL_TYPE.deliveryFailed,
          detail: { ...ref, attempts: n, error: error ?? 'failed', at },
        };
  return { kind: 'recorded', status: final, event };
}

/** Ends a delivery without sending: its agreement or channel is gone or no longer active. */
const discard = (deps: Deps, d: Delivery, msg: WorkMessage, now: Date, why: string) =>
  record(deps, d, msg, now, { verdict: 'failed', error: why, durationMs: 0 }, 'discarded');

/** Refused before any request: the policy's answer, not the partner's, so it is final. */
const refuse = (deps: Deps, d: Delivery, msg: WorkMessage, now: Date, why: string) =>
  record(deps, d, msg, now, { verdict: 'failed', error: why, durationMs: 0 });

/**
 * Makes one attempt of a webhook delivery and records its outcome with one conditional write;
 * schedules the next attempt with backoff, or fails the delivery when the policy is spent.
 *
 * The delivery is read again here, just before sending, so a message for a delivery that is already
 * through (a duplicate, a sweeper's copy) ends without a request. A partner whose circuit is open is
 * not called: the attempt is recorded (marked skipped), counted and scheduled like a failed one, its
 * next try no sooner than the circuit lets a probe through. A partner's deliveries thus end on the
 * same schedule whether its circuit opened or not; the circuit only spares the workers the waiting.
 */
export async function deliverWebhook(deps: Deps, msg: WorkMessage): Promise<DeliverResult> {
  const now = deps.clock.now();
  const d = await deps.deliveries.get(msg.deliveryId);
  if (!d) return { kind: 'skipped', why: 'no such delivery' };
  if (!ATTEMPTABLE.includes(d.status)) return { kind: 'skipped', why: `already ${d.status}` };
  if (d.nextAttemptAt && Date.parse(d.nextAttemptAt) > now.getTime()) {
    // Early: SQS delays stop at 15 minutes, so a longer wait comes back here and goes round again.
    const delaySeconds = Math.ceil((Date.parse(d.nextAttemptAt) - now.getTime()) / 1000);
    await deps.queue.enqueue('webhook', [msg], delaySeconds);
    return { kind: 'deferred', delaySeconds };
  }
  const policy = deps.config.retryPolicy;
  if (msg.trigger === 'scheduled' && overdueMs(d, now) > policy.maxAgeMs) {
    // Found long after it was due (a lost message the sweeper re-sent, or one that kept failing to
    // run): past the policy's age it ends here rather than being sent days late.
    return refuse(deps, d, msg, now, `expired: not attempted within ${policy.maxAgeMs} ms of being due`);
  }
  const withdrawal = d.kind === 'withdrawal';
  // A publish is checked against the article's withdrawal marker before every attempt (cached 2 s).
  const caches = cachesOf(deps);
  const nowMs = now.getTime();
  const withdrawn =
    !withdrawal &&
    (await caches.withdrawn.get(
      d.articleId,
      nowMs,
      async () => !!(await deps.deliveries.getWithdrawal(d.articleId)),
    ));
  if (withdrawn) return discard(deps, d, msg, now, WITHDRAWN_DISCARD_REASON);
  const agreement = await caches.agreements.get(d.agreementId, nowMs, () =>
    deps.agreements.get(d.agreementId),
  );
  if (agreement?.status !== 'active') {
    return discard(deps, d, msg, now, `agreement ${agreement?.status ?? 'deleted'}`);
  }
  const channel = agreement.channels.find((c) => c.channelId === d.channelId);
  if (channel?.type !== 'webhook') return discard(deps, d, msg, now, 'channel no longer on the agreement');
  const refusal = targetUrlProblem(channel.url, { allowPrivateTargets: deps.config.allowPrivateTargets });
  if (refusal) return refuse(deps, d, msg, now, `target refused: webhook URL ${refusal}`);
  const secret = await deps.secrets.get(channel.secretRef);
  if (!secret) return discard(deps, d, msg, now, 'webhook secret missing from the secret store');

  const endpoint = endpointOf(channel.url);
  const circuits = breakersOf(deps);
  // An operator's replay goes through whatever this worker thinks of the partner: it acts as a probe.
  const gate = msg.trigger === 'manual' ? undefined : circuits.check(endpoint, now.getTime());
  if (gate && !gate.allowed) {
    return record(deps, d, msg, now, {
      verdict: 'retry',
      error: `circuit open: ${endpoint} kept failing, not called`,
      durationMs: 0,
      waitMs: gate.retryInMs,
      skipped: 'circuit-open',
    });
  }

  const manifest = await manifestOf(deps, d.manifest.key);
  const body = withdrawal
    ? withdrawalBody(d, manifest, now)
    : await webhookBody(deps, agreement, manifest, now, d.event ?? WEBHOOK_EVENT.published);
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'Loa/0.1 (+webhooks)',
    ...signWebhook(secret, webhookMessageId(d.deliveryId), Math.floor(now.getTime() / 1000), body),
  };
  let result: HttpResult;
  try {
    result = await deps.http.post(channel.url, headers, body, policy.timeoutMs);
  } catch (error) {
    if (!(error instanceof TargetRefusedError)) throw error;
    return refuse(deps, d, msg, now, `target refused: ${error.message}`);
  }
  const { verdict, error } = verdictOf(result);
  // What was sent stays out of the logs: the body, and the headers that carry the signature.
  deps.logger.debug('webhook attempt', {
    deliveryId: d.deliveryId,
    endpoint,
    attempt: d.attemptCount + 1,
    verdict,
    durationMs: result.durationMs,
    ...(result.kind === 'response' ? { httpStatus: result.status } : { error: result.error }),
  });
  // Waiting is what holds a worker, so only failures without an answer count against the circuit: an
  // answer, any status, shows the endpoint is up and cost little.
  if (result.kind === 'network-error') circuits.recordFailure(endpoint, deps.clock.now().getTime());
  else circuits.recordSuccess(endpoint);
  return record(deps, d, msg, now, {
    verdict,
    durationMs: result.durationMs,
    ...(error && { error }),
    ...(result.kind === 'response' && {
      httpStatus: result.status,
      waitMs: retryAfterFromHeaders(result.headers, now),
    }),
  });
}
