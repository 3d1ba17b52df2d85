import { CircuitBreakers, type SharedCircuit } from '#domain/circuit-breaker.ts';
import { ATTEMPTABLE, type Attempt, type Delivery, type DeliveryStatus } from '#domain/delivery.ts';
import { mayRetry, nextDelayMs } from '#domain/retry-policy.ts';
import { agreementRefusal, DISCARD_REASON, releaseAt, supersededBy } from '#domain/send-rules.ts';
import { TargetRefusedError } from '#domain/target-policy.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import {
  type ChannelAdapter,
  type ChannelOutcome,
  ChannelRefusal,
  type SendContext,
} from '#ports/channel-adapter.ts';
import type { PushChannelType, WorkMessage } from '#ports/work-queue.ts';
import type { Agreement, Channel } from '#schemas/agreement.ts';
import { DETAIL_TYPE, type OutgoingEvent, SOURCE } from '#schemas/events.ts';
import type { Deps } from './deps.ts';
import { hold, pauseGate, pauseIfDue, probeSucceeded } from './pause-gate.ts';
import { TtlCache } from './read-cache.ts';
import { WITHDRAWN_DISCARD_REASON } from './withdraw-article.ts';

/**
 * The adapters a worker holds, by channel type (a worker builds only those of its queue). Each is typed
 * for its own channel; the worker hands it only deliveries of that type.
 */
export type ChannelAdapters = Partial<Record<PushChannelType, OpaqueAdapter>>;

/**
 * An adapter as the worker sees it: what `prepare` builds only goes back to `send`, and what `send`
 * returns only to `classify`, so their types are the adapter's business.
 */
// biome-ignore lint/suspicious/noExplicitAny: the channel, prepared and sent types differ per adapter and only pass through
type OpaqueAdapter = ChannelAdapter<any, any, any>;

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

/** Shared circuits as this worker last read them: each endpoint at most once per 2 s. */
const SHARED_CIRCUIT_TTL_MS = 2_000;
const sharedCaches = new WeakMap<object, TtlCache<SharedCircuit | undefined>>();

async function sharedCircuit(
  deps: Deps,
  endpoint: string,
  nowMs: number,
): Promise<SharedCircuit | undefined> {
  const store = deps.circuits;
  if (!store) return undefined;
  let cache = sharedCaches.get(deps.config);
  if (!cache) {
    cache = new TtlCache(SHARED_CIRCUIT_TTL_MS);
    sharedCaches.set(deps.config, cache);
  }
  const cached = await cache.get(endpoint, nowMs, () => store.get(endpoint));
  if (cached?.state !== 'paused') return cached;
  // Paused: read afresh (only while paused, when nothing is sent), so a resume is seen at once.
  const fresh = await store.get(endpoint);
  cache.set(endpoint, fresh, nowMs);
  return fresh;
}

/** Keeps a circuit this worker just wrote, so its next messages act on it without waiting for the cache. */
function rememberer(deps: Deps, nowMs: number) {
  return (circuit: SharedCircuit) => sharedCaches.get(deps.config)?.set(circuit.endpoint, circuit, nowMs);
}

/** Writes a circuit's transition for the other workers; best effort: the local circuit holds anyway. */
async function shareTransition(deps: Deps, transition: SharedCircuit): Promise<void> {
  if (!deps.circuits) return;
  try {
    await deps.circuits.put(transition);
  } catch (error) {
    deps.logger.warn('circuit transition not shared', { endpoint: transition.endpoint, error });
  }
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
  remoteId?: string;
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
    await deps.queue.enqueue(
      queueOf(d),
      [{ deliveryId: d.deliveryId, trigger: 'scheduled' }],
      delayMs / 1000,
    );
    return { kind: 'recorded', status: 'retrying' };
  }
  const final = status ?? (verdict === 'delivered' ? 'delivered' : 'failed');
  const ok = await deps.deliveries.recordOutcome(d, {
    status: final,
    attempt,
    ...(error && { lastError: error }),
    ...(final === 'delivered' && outcome.remoteId && { remoteId: outcome.remoteId }),
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

/** Puts the message back until `release` (SQS delays stop at 15 minutes: a longer wait goes round again). */
async function defer(
  deps: Deps,
  d: Delivery,
  msg: WorkMessage,
  release: Date,
  now: Date,
): Promise<DeliverResult> {
  const delaySeconds = Math.min(900, Math.ceil((release.getTime() - now.getTime()) / 1000));
  await deps.queue.enqueue(queueOf(d), [msg], delaySeconds);
  return { kind: 'deferred', delaySeconds };
}

/**
 * A newer version of the article on the same agreement × channel, if any: then this one is never sent.
 * The article index is read only when a newer version may have come since routing made this delivery
 * (a retry, a replay, a held embargo, a version above 1 is not needed: routing saw the older ones), so
 * a first attempt costs no extra read.
 */
async function newerVersionOnChannel(deps: Deps, d: Delivery, msg: WorkMessage): Promise<number | undefined> {
  const mayBeStale = d.attemptCount > 0 || msg.trigger === 'manual' || d.embargoUntil !== undefined;
  if (!mayBeStale) return undefined;
  const onChannel = (await deps.deliveries.listByArticle(d.articleId)).filter(
    (x) => x.agreementId === d.agreementId && x.channelId === d.channelId,
  );
  return supersededBy(d.version, onChannel);
}

/** Refused before any request: the policy's answer, not the partner's, so it is final. */
const refuse = (deps: Deps, d: Delivery, msg: WorkMessage, now: Date, why: string) =>
  record(deps, d, msg, now, { verdict: 'failed', error: why, durationMs: 0 });

/** The queue a delivery's attempts go through: its channel's (feed deliveries are never queued). */
function queueOf(d: Delivery): PushChannelType {
  if (d.channelType === 'feed') throw new Error(`feed delivery ${d.deliveryId} has no queue`);
  return d.channelType;
}

/**
 * Makes one attempt of a pushed delivery (webhook, broadcast, social) and records its outcome with
 * one conditional write; schedules the next attempt with backoff, or fails the delivery when the
 * policy is spent. What is sent, and what an answer means, is the channel adapter's (ports/
 * channel-adapter.ts); everything around it is here, the same for every channel.
 *
 * The delivery is read again here, just before sending, so a message for a delivery that is already
 * through (a duplicate, a sweeper's copy) ends without a request. A partner whose circuit is open is
 * not called: the attempt is recorded (marked skipped), counted and scheduled like a failed one, its
 * next try no sooner than the circuit lets a probe through. A partner's deliveries thus end on the
 * same schedule whether its circuit opened or not; the circuit only spares the workers the waiting.
 */
export async function deliver(
  deps: Deps,
  adapters: ChannelAdapters,
  msg: WorkMessage,
  /** Aborts the attempt's requests before the invocation times out (recorded as a timeout, retried). */
  signal?: AbortSignal,
): Promise<DeliverResult> {
  const now = deps.clock.now();
  const read = await deps.deliveries.get(msg.deliveryId);
  if (!read) return { kind: 'skipped', why: 'no such delivery' };
  let d: Delivery = read;
  // A held delivery's message comes back to probe its paused endpoint, or to go once it is resumed.
  if (!ATTEMPTABLE.includes(d.status) && d.status !== 'held') {
    return { kind: 'skipped', why: `already ${d.status}` };
  }
  const adapter = d.channelType === 'feed' ? undefined : adapters[d.channelType];
  // A message on the wrong queue is a wiring fault: thrown, so the queue keeps it and alarms.
  if (!adapter) throw new Error(`this worker has no ${d.channelType} adapter (delivery ${d.deliveryId})`);
  if (d.nextAttemptAt && Date.parse(d.nextAttemptAt) > now.getTime()) {
    // Early: SQS delays stop at 15 minutes, so a longer wait comes back here and goes round again.
    const delaySeconds = Math.ceil((Date.parse(d.nextAttemptAt) - now.getTime()) / 1000);
    await deps.queue.enqueue(queueOf(d), [msg], delaySeconds);
    return { kind: 'deferred', delaySeconds };
  }
  const withdrawal = d.kind === 'withdrawal';
  // A publish is checked against the article's withdrawal marker before every attempt (cached 2 s).
  const caches = cachesOf(deps);
  const nowMs = now.getTime();
  const withdrawn =
    !withdrawal &&
    (await caches.withdrawn.get(d.articleId, nowMs, async () => !!(await deps.withdrawals.get(d.articleId))));
  if (withdrawn) return discard(deps, d, msg, now, WITHDRAWN_DISCARD_REASON);
  const agreement = await caches.agreements.get(d.agreementId, nowMs, () =>
    deps.agreements.get(d.agreementId),
  );
  if (!agreement) return discard(deps, d, msg, now, 'agreement deleted');
  // Status and term, at send time, on every path (domain/send-rules.ts). A takedown still goes to a
  // suspended or ended partner: it is not new content, and what it withdraws must come down.
  const refusal = agreementRefusal(agreement, now, withdrawal ? 'withdrawal' : 'publish');
  if (refusal) return discard(deps, d, msg, now, refusal);
  const channel = agreement.channels.find((c) => c.channelId === d.channelId);
  if (channel?.type !== d.channelType)
    return discard(deps, d, msg, now, 'channel no longer on the agreement');
  // After the rules above, so a delivery that may never be sent is discarded with its reason.
  const policy = deps.config.retryPolicy;
  if (msg.trigger === 'scheduled' && d.status !== 'held' && overdueMs(d, now) > policy.maxAgeMs) {
    // Found long after it was due (a lost message the sweeper re-sent, or one that kept failing to
    // run): past the policy's age it ends here rather than being sent days late.
    return refuse(deps, d, msg, now, `expired: not attempted within ${policy.maxAgeMs} ms of being due`);
  }
  if (!withdrawal) {
    // Embargo: a public channel (social) never goes before it, nor anything under a `hold` agreement,
    // however the attempt was started (a replay, a backfill, the sweeper).
    const release = releaseAt(agreement, d.channelType, d.embargoUntil, now);
    if (release > now) return defer(deps, d, msg, release, now);
    const newer = await newerVersionOnChannel(deps, d, msg);
    if (newer !== undefined) {
      return discard(deps, d, msg, now, `${DISCARD_REASON.superseded}: version ${newer} is on this channel`);
    }
  }

  const endpoint = adapter.endpoint(channel);
  const circuits = breakersOf(deps);
  const shared = await sharedCircuit(deps, endpoint, nowMs);
  if (shared) circuits.adopt(shared);
  const remember = rememberer(deps, nowMs);
  // A paused endpoint (domain/pause.ts): the delivery waits as held, unless it is the period's probe.
  const pause = await pauseGate(deps, d, msg, shared, remember);
  if (!pause.send) {
    return pause.outcome === 'held' ? { kind: 'recorded', status: 'held' } : { kind: 'lost-race' };
  }
  d = pause.delivery;
  // An operator's replay goes through whatever this worker thinks of the partner: it acts as a probe.
  const gate = msg.trigger === 'manual' || pause.probe ? undefined : circuits.check(endpoint, now.getTime());
  if (gate && !gate.allowed) {
    // Failing for long enough without a success: paused now, and this delivery is the first held.
    if (await pauseIfDue(deps, circuits, endpoint, nowMs, remember)) {
      await hold(
        deps,
        d,
        deps.config.circuitBreaker.probeEveryMs ?? deps.config.circuitBreaker.maxOpenMs,
        now,
      );
      return { kind: 'recorded', status: 'held' };
    }
    return record(deps, d, msg, now, {
      verdict: 'retry',
      error: `circuit open: ${endpoint} kept failing, not called`,
      durationMs: 0,
      waitMs: gate.retryInMs,
      skipped: 'circuit-open',
    });
  }

  const ctx: SendContext<Channel> = {
    delivery: d,
    agreement,
    channel,
    manifest: await manifestOf(deps, d.manifest.key),
    now,
    timeoutMs: policy.timeoutMs,
    ...(signal && { signal }),
  };
  let outcome: ChannelOutcome;
  try {
    const sent = withdrawal ? await adapter.undo(ctx) : await adapter.send(ctx, await adapter.prepare(ctx));
    outcome = adapter.classify(sent, ctx);
  } catch (error) {
    if (error instanceof ChannelRefusal) {
      return error.discard
        ? discard(deps, d, msg, now, error.message)
        : refuse(deps, d, msg, now, error.message);
    }
    if (error instanceof TargetRefusedError)
      return refuse(deps, d, msg, now, `target refused: ${error.message}`);
    throw error;
  }
  // What was sent stays out of the logs: bodies, and the headers that carry signatures and tokens.
  deps.logger.debug('delivery attempt', {
    deliveryId: d.deliveryId,
    channel: d.channelType,
    endpoint,
    attempt: d.attemptCount + 1,
    verdict: outcome.verdict,
    durationMs: outcome.durationMs,
    ...(outcome.httpStatus !== undefined && { httpStatus: outcome.httpStatus }),
    ...(outcome.error && { error: outcome.error }),
  });
  // Failures without an answer hold a worker; a run of 5xx answers shows a partner that is up but
  // broken. Either opens the circuit; any other answer closes it.
  // A run of 5xx answers opens it too: the partner is up, but broken. Transitions are shared.
  const at = deps.clock.now().getTime();
  const bad = outcome.noAnswer || (outcome.httpStatus !== undefined && outcome.httpStatus >= 500);
  if (pause.probe && shared?.state === 'paused') {
    // The probe of a paused endpoint: a success resumes it; a failure leaves it paused (nothing written).
    if (!bad) await probeSucceeded(deps, circuits, d, endpoint, at, remember);
  } else {
    const transition = outcome.noAnswer
      ? circuits.recordFailure(endpoint, at)
      : bad
        ? circuits.recordServerError(endpoint, at)
        : circuits.recordSuccess(endpoint, at);
    // An opening past `pauseAfterMs` of failures is written as the pause instead.
    const paused = transition?.state === 'open' && (await pauseIfDue(deps, circuits, endpoint, at, remember));
    if (transition && !paused) await shareTransition(deps, transition);
  }
  return record(deps, d, msg, now, {
    verdict: outcome.verdict,
    durationMs: outcome.durationMs,
    ...(outcome.error && { error: outcome.error }),
    ...(outcome.httpStatus !== undefined && { httpStatus: outcome.httpStatus }),
    ...(outcome.waitMs !== undefined && { waitMs: outcome.waitMs }),
    ...(outcome.remoteId && { remoteId: outcome.remoteId }),
  });
}
