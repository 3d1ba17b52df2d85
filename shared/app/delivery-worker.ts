import {
  ATTEMPTABLE,
  type AttemptContext,
  applyOutcome,
  type Delivery,
  type DeliveryStatus,
  MAX_ATTEMPTS_KEPT,
  storedCount,
} from '#domain/delivery.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import { retriesEndBy } from '#domain/retry-policy.ts';
import { agreementRefusal, DISCARD_REASON, releaseAt, supersededBy } from '#domain/send-rules.ts';
import { TargetRefusedError } from '#domain/target-policy.ts';
import { TtlCache } from '#domain/ttl-cache.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import { type ChannelOutcome, ChannelRefusal } from '#ports/channel-adapter.ts';
import { fromRouted, type PushChannelType, type WorkMessage } from '#ports/work-queue.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { OutgoingEvent } from '#schemas/events.ts';
import { BatchedReads } from './batched-reads.ts';
import { adapterOf, type BoundAdapter, bind, type ChannelAdapters } from './delivery-adapters.ts';
import { DeliveryCircuits } from './delivery-circuits.ts';
import { finalEvent } from './delivery-events.ts';
import type { Deps } from './deps.ts';
import { hold, pauseGate, pauseIfDue } from './pause-gate.ts';
import { WITHDRAWN_DISCARD_REASON } from './withdraw-article.ts';

export type { ChannelAdapters } from './delivery-adapters.ts';

export type DeliverResult =
  | { kind: 'skipped'; why: string }
  | { kind: 'deferred'; delaySeconds: number }
  | { kind: 'recorded'; status: DeliveryStatus; event?: OutgoingEvent }
  | { kind: 'lost-race' };

/**
 * Per worker: agreements for 10 s, so a suspension stops sends within 10 s; withdrawal markers for
 * 2 s, which widens the send-versus-takedown race (docs/webhooks.md) from one HTTP call to at most
 * 2 s, in exchange for two fewer reads per delivery. Manifests are immutable: a fan-out of one article
 * reads its manifest once.
 */
const AGREEMENT_TTL_MS = 10_000;
const WITHDRAWAL_TTL_MS = 2_000;

/** What was settled before the send: the delivery, its agreement, and the adapter for its channel. */
interface Ready {
  d: Delivery;
  msg: WorkMessage;
  agreement: Agreement;
  adapter: BoundAdapter;
}

/**
 * Makes one attempt of a pushed delivery (webhook, broadcast, social) and records its outcome with
 * one conditional write (domain/delivery.ts `applyOutcome`); schedules the next attempt with backoff,
 * or fails the delivery when the policy is spent. What is sent, and what an answer means, is the
 * channel adapter's (ports/channel-adapter.ts); everything around it is here, the same for every
 * channel. One worker per warm container: it owns its read caches and its circuits.
 *
 * The delivery is read again (strongly consistent) as its attempt starts, so a message for a delivery
 * that is already through (a duplicate, a sweeper's copy), discarded, withdrawn or superseded since it
 * was enqueued ends without a request; the records of a batch that start together make these reads
 * as one BatchGetItem (app/batched-reads.ts), each as fresh as its own GetItem was. A partner whose circuit is open is
 * not called: the attempt is recorded (marked skipped), counted and scheduled like a failed one, its
 * next try no sooner than the circuit lets a probe through. A partner's deliveries thus end on the
 * same schedule whether its circuit opened or not; the circuit only spares the workers the waiting.
 */
export class DeliveryWorker {
  readonly #agreements: TtlCache<Agreement | undefined>;
  readonly #withdrawn: TtlCache<boolean>;
  readonly #manifests: TtlCache<NinjsDocument>;
  readonly #circuits: DeliveryCircuits;
  readonly #deliveries: BatchedReads<Delivery>;

  constructor(private readonly deps: Deps) {
    const now = () => deps.clock.now().getTime();
    // The records of a batch start together: their reads of the delivery go as one request.
    this.#deliveries = new BatchedReads({
      one: (id) => deps.deliveries.get(id),
      many: (ids) => deps.deliveries.getMany(ids),
    });
    this.#agreements = new TtlCache({ ttlMs: AGREEMENT_TTL_MS, maxEntries: 1_000, now });
    this.#withdrawn = new TtlCache({ ttlMs: WITHDRAWAL_TTL_MS, maxEntries: 1_000, now });
    this.#manifests = new TtlCache({ ttlMs: Number.POSITIVE_INFINITY, maxEntries: 500, now });
    this.#circuits = new DeliveryCircuits(deps);
  }

  /** One attempt of `msg`'s delivery; `signal` aborts its requests before the invocation times out. */
  async deliver(adapters: ChannelAdapters, msg: WorkMessage, signal?: AbortSignal): Promise<DeliverResult> {
    const { deps } = this;
    const now = deps.clock.now();
    // Strongly consistent, at the start of this attempt (with the batch's other records that start now).
    const stored = await this.#deliveries.get(msg.deliveryId);
    if (!stored && !msg.routed) return { kind: 'skipped', why: 'no such delivery' };
    // No item yet: routing sent it unstored, and this attempt's write creates it (Delivery.unstored).
    const d = stored ? withCarried(stored, msg) : unstoredOf(msg);
    if (!d) {
      const why = stored ? `out of date: the delivery is ${stored.status} since` : ROUTED_MISMATCH;
      return { kind: 'skipped', why };
    }
    // A held delivery's message comes back to probe its paused endpoint, or to go once it is resumed.
    if (!ATTEMPTABLE.includes(d.status) && d.status !== 'held') {
      return { kind: 'skipped', why: `already ${d.status}` };
    }
    const adapter = d.channelType === 'feed' ? undefined : adapterOf(adapters, d.channelType);
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
    const withdrawn =
      !withdrawal &&
      (await this.#withdrawn.getOrLoad(d.articleId, async () => !!(await deps.withdrawals.get(d.articleId))));
    if (withdrawn) return this.#discard(d, msg, now, WITHDRAWN_DISCARD_REASON);
    const agreement = await this.#agreements.getOrLoad(d.agreementId, () =>
      deps.agreements.get(d.agreementId),
    );
    if (!agreement) return this.#discard(d, msg, now, 'agreement deleted');
    // Status and term, at send time, on every path (domain/send-rules.ts). A takedown still goes to a
    // suspended or ended partner: it is not new content, and what it withdraws must come down.
    const refusal = agreementRefusal(agreement, now, withdrawal ? 'withdrawal' : 'publish');
    if (refusal) return this.#discard(d, msg, now, refusal);
    const channel = agreement.channels.find((c) => c.channelId === d.channelId);
    if (channel?.type !== d.channelType)
      return this.#discard(d, msg, now, 'channel no longer on the agreement');
    // After the rules above, so a delivery that may never be sent is discarded with its reason.
    const policy = deps.config.retryPolicy;
    if (msg.trigger === 'scheduled' && d.status !== 'held' && overdueMs(d, now) > policy.maxAgeMs) {
      // Found long after it was due (a lost message the sweeper re-sent, or one that kept failing to
      // run): past the policy's age it ends here rather than being sent days late.
      return this.#record(
        d,
        msg,
        now,
        refused(`expired: not attempted within ${policy.maxAgeMs} ms of being due`),
      );
    }
    if (!withdrawal) {
      // Embargo: a public channel (social) never goes before it, nor anything under a `hold` agreement,
      // however the attempt was started (a replay, a backfill, the sweeper).
      const release = releaseAt(agreement, d.channelType, d.embargoUntil, now);
      if (release > now) return this.#defer(d, msg, release, now);
      const newer = await this.#newerVersionOnChannel(d, msg);
      if (newer !== undefined) {
        return this.#discard(
          d,
          msg,
          now,
          `${DISCARD_REASON.superseded}: version ${newer} is on this channel`,
        );
      }
    }
    return this.#attempt({ d, msg, agreement, adapter: bind(adapter, channel) }, now, signal);
  }

  /**
   * The last receive of a message whose handling kept throwing (a manifest that cannot be read, a
   * wiring fault, a bug): rather than leaving the delivery only on the dead-letter queue, where no
   * operator's list shows it (a delivery never attempted is on none of them), it ends as failed with
   * why, on its agreement's failed list, where an operator sees it and replays it once the cause is
   * mended. A delivery already through, or moved since, is left as it is; a store that cannot be
   * written either throws, and the message goes to the dead-letter queue as before.
   */
  async giveUp(msg: WorkMessage, error: unknown, receives: number): Promise<DeliverResult> {
    const stored = await this.deps.deliveries.get(msg.deliveryId);
    const d = stored ? withCarried(stored, msg) : unstoredOf(msg);
    if (!d) return { kind: 'skipped', why: stored ? `already ${stored.status}` : 'no such delivery' };
    if (!ATTEMPTABLE.includes(d.status)) return { kind: 'skipped', why: `already ${d.status}` };
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const why = `${GAVE_UP}: the worker failed on each of ${receives} receives (${cause.slice(0, 200)})`;
    return this.#record(d, msg, this.deps.clock.now(), refused(why));
  }

  /** Through the endpoint's pause and circuit, then the adapter's request, then the outcome's write. */
  async #attempt(ready: Ready, now: Date, signal: AbortSignal | undefined): Promise<DeliverResult> {
    const { deps } = this;
    const { msg, agreement, adapter } = ready;
    const circuits = this.#circuits;
    const { endpoint } = adapter;
    const shared = await circuits.read(endpoint);
    // A paused endpoint (domain/pause.ts): the delivery waits as held, unless it is the period's probe.
    const pause = await pauseGate(deps, ready.d, msg, shared, circuits.remember);
    if (!pause.send) {
      return pause.outcome === 'held' ? { kind: 'recorded', status: 'held' } : { kind: 'lost-race' };
    }
    const d = pause.delivery;
    // An operator's replay goes through whatever this worker thinks of the partner: it acts as a probe.
    const gate =
      msg.trigger === 'manual' || pause.probe ? undefined : circuits.breakers.check(endpoint, now.getTime());
    if (gate && !gate.allowed) {
      // Failing for long enough without a success: paused now, and this delivery is the first held.
      if (await pauseIfDue(deps, circuits.breakers, endpoint, now.getTime(), circuits.remember)) {
        const breaker = deps.config.circuitBreaker;
        await hold(deps, d, breaker.probeEveryMs ?? breaker.maxOpenMs, now);
        return { kind: 'recorded', status: 'held' };
      }
      const error = `circuit open: ${endpoint} kept failing, not called`;
      const skipped: ChannelOutcome = { verdict: 'retry', error, durationMs: 0, waitMs: gate.retryInMs };
      return this.#record(d, msg, now, skipped, { skipped: 'circuit-open' });
    }

    const ctx = {
      delivery: d,
      agreement,
      manifest: await this.#manifests.getOrLoad(
        d.manifest.key,
        async () => JSON.parse(await deps.packages.getManifest(d.manifest.key)) as NinjsDocument,
      ),
      now,
      timeoutMs: deps.config.retryPolicy.timeoutMs,
      ...(signal && { signal }),
    };
    let outcome: ChannelOutcome;
    try {
      outcome = await adapter.attempt(ctx, d.kind === 'withdrawal');
    } catch (error) {
      if (error instanceof ChannelRefusal) {
        return error.discard
          ? this.#discard(d, msg, now, error.message)
          : this.#record(d, msg, now, refused(error.message));
      }
      if (error instanceof TargetRefusedError)
        return this.#record(d, msg, now, refused(`target refused: ${error.message}`));
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
    await circuits.afterAnswer(d, endpoint, outcome, pause.probe ? shared : undefined);
    return this.#record(d, msg, now, outcome);
  }

  /**
   * Writes an attempt's outcome with one conditional write: delivered, failed, discarded, or retrying
   * with the next attempt scheduled (and enqueued). Returns the event to announce a final outcome.
   */
  async #record(
    d: Delivery,
    msg: WorkMessage,
    now: Date,
    outcome: ChannelOutcome,
    more: Pick<AttemptContext, 'discard' | 'skipped'> = {},
  ): Promise<DeliverResult> {
    const { deps } = this;
    const step = applyOutcome(d, outcome, {
      trigger: msg.trigger,
      now,
      policy: deps.config.retryPolicy,
      ...more,
    });
    // Not attemptable any more (the status machine says so): another worker or an operator moved it.
    if (!step) return { kind: 'lost-race' };
    const { delayMs, ...write } = step;
    if (step.status === 'retrying') {
      // The first failure is written (the delivery shows as retrying, with when its retries are over
      // at the latest); the attempts after it ride on their messages and are written at the end.
      const written = d.storedAttemptCount === undefined;
      if (written) {
        const endBy = retriesEndBy(deps.config.retryPolicy, d.attemptCount + 1, now).toISOString();
        if (!(await deps.deliveries.recordOutcome(d, { ...write, retriesEndBy: endBy }))) {
          return { kind: 'lost-race' };
        }
      }
      const next: WorkMessage = {
        deliveryId: d.deliveryId,
        trigger: 'scheduled',
        carry: {
          since: written ? d.attemptCount + 1 : storedCount(d),
          attemptCount: d.attemptCount + 1,
          attempts: [...d.attempts, step.attempt].slice(-MAX_ATTEMPTS_KEPT),
          nextAttemptAt: step.nextAttemptAt ?? now.toISOString(),
          ...(step.lastError && { lastError: step.lastError }),
        },
      };
      await deps.queue.enqueue(queueOf(d), [next], (delayMs ?? 0) / 1000);
      return { kind: 'recorded', status: 'retrying' };
    }
    if (!(await deps.deliveries.recordOutcome(d, write))) return { kind: 'lost-race' };
    if (step.status === 'discarded') return { kind: 'recorded', status: step.status };
    return {
      kind: 'recorded',
      status: step.status,
      event: finalEvent(d, step.status, step.attempt, outcome.error),
    };
  }

  /** Ends a delivery without sending: its agreement, channel or article is gone or no longer active. */
  #discard(d: Delivery, msg: WorkMessage, now: Date, why: string): Promise<DeliverResult> {
    return this.#record(d, msg, now, refused(why), { discard: true });
  }

  /**
   * Puts the message back until `release` (SQS delays stop at 15 minutes: a longer wait goes round
   * again). The first time, the wait is written (nextAttemptAt), which puts the delivery on its
   * agreement's lists: an operator sees it waiting for its embargo; the rounds after that find
   * nextAttemptAt ahead and go round without a write.
   */
  async #defer(d: Delivery, msg: WorkMessage, release: Date, now: Date): Promise<DeliverResult> {
    const until = release.toISOString();
    if (d.nextAttemptAt !== until && !(await this.deps.deliveries.waitUntil(d, until, now.toISOString()))) {
      return { kind: 'lost-race' };
    }
    const delaySeconds = Math.min(900, Math.ceil((release.getTime() - now.getTime()) / 1000));
    await this.deps.queue.enqueue(queueOf(d), [msg], delaySeconds);
    return { kind: 'deferred', delaySeconds };
  }

  /**
   * A newer version of the article on the same agreement × channel, if any: then this one is never sent.
   * The article index is read only when a newer version may have come since routing made this delivery
   * (a retry, a replay, an embargo that held it after its creation; a version above 1 is not needed:
   * routing saw the older ones), so a first attempt, embargoed or not, costs no extra read when its
   * embargo had ended before routing made it.
   */
  async #newerVersionOnChannel(d: Delivery, msg: WorkMessage): Promise<number | undefined> {
    const heldForEmbargo =
      d.embargoUntil !== undefined && Date.parse(d.embargoUntil) > Date.parse(d.createdAt);
    const mayBeStale = d.attemptCount > 0 || msg.trigger === 'manual' || heldForEmbargo;
    if (!mayBeStale) return undefined;
    const onChannel = await this.deps.deliveries.listOnChannel(d.articleId, d.agreementId, d.channelId);
    return supersededBy(d.version, onChannel);
  }
}

/**
 * The delivery as the message's carried attempts continue it (WorkMessage.carry), or as stored when
 * the message carries none; undefined when the carry is out of date (the item was written since: an
 * outcome, a hold, a replay), so the message ends without a request.
 */
function withCarried(stored: Delivery, msg: WorkMessage): Delivery | undefined {
  const carry = msg.carry;
  if (!carry) return stored;
  if (stored.status !== 'retrying' || stored.attemptCount !== carry.since) return undefined;
  return {
    ...stored,
    attemptCount: carry.attemptCount,
    attempts: carry.attempts,
    nextAttemptAt: carry.nextAttemptAt,
    ...(carry.lastError && { lastError: carry.lastError }),
    storedAttemptCount: carry.since,
  };
}

/** Why a message whose routed delivery is not the one its id names ends without a request. */
const ROUTED_MISMATCH = "the message's routed delivery is not the one its deliveryId names";

/**
 * The unstored delivery a routed message carries (WorkMessage.routed), when its id is the one the
 * delivery's agreement, channel, article and version derive: a message cannot make a worker write an
 * item under another delivery's id.
 */
function unstoredOf(msg: WorkMessage): Delivery | undefined {
  const r = msg.routed;
  if (!r || deliveryIdFor(r.agreementId, r.channelId, r.articleId, r.version) !== msg.deliveryId) {
    return undefined;
  }
  return fromRouted(msg.deliveryId, r);
}

/** How a delivery that its worker kept failing on begins its reason (DeliveryWorker.giveUp). */
export const GAVE_UP = 'not attempted';

/** Refused before any request: the policy's answer, not the partner's, so it is final. */
const refused = (why: string): ChannelOutcome => ({ verdict: 'failed', error: why, durationMs: 0 });

/** How long past due a delivery is: its scheduled time, or its last change when it has none. */
function overdueMs(d: Delivery, now: Date): number {
  return now.getTime() - Date.parse(d.nextAttemptAt ?? d.updatedAt);
}

/** The queue a delivery's attempts go through: its channel's (feed deliveries are never queued). */
function queueOf(d: Delivery): PushChannelType {
  if (d.channelType === 'feed') throw new Error(`feed delivery ${d.deliveryId} has no queue`);
  return d.channelType;
}
