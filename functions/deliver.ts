import { setMaxListeners } from 'node:events';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type ChannelAdapters, type DeliverResult, deliver, giveUp } from '#app/deliver.ts';
import type { Deps } from '#app/deps.ts';
import { limitAdapters, SendLimiter } from '#app/send-limiter.ts';
import { MAX_RECEIVES } from '#ports/work-queue.ts';
import type { OutgoingEvent } from '#schemas/events.ts';
import { WorkMessage } from '#schemas/work.ts';
import { countOutcome, publishOutcomes } from './metrics.ts';
import { lambdaContext } from './middleware.ts';
import { eachMessage } from './sqs-batch.ts';

/** How long before the Lambda timeout an attempt in flight is aborted: time left to record it. */
export const ABORT_BEFORE_TIMEOUT_MS = 1_000;

/**
 * How a worker spreads one batch: `concurrency` records in flight at once (the worker's global cap;
 * 1 is the old path, one record after the other), and at most `perEndpoint` requests in flight to
 * one partner endpoint (scheme, host and port), shared by every batch the worker runs.
 */
export interface DeliverLimits {
  concurrency: number;
  perEndpoint: number;
  /** The queue's receives before its dead-letter queue: on the last, a delivery still failing ends. */
  maxReceives: number;
}

/**
 * A whole webhook batch (20: infra/wiring.ts) at once, so twenty partners answering in 300 ms take
 * about 300 ms, not 6 s; no more than 4 requests at a time to one partner, so a batch for one partner
 * does not open twenty connections to it. docs/reliability.md.
 */
export const DELIVER_LIMITS: DeliverLimits = { concurrency: 20, perEndpoint: 4, maxReceives: MAX_RECEIVES };

/**
 * middy 6 aborts the handler's `signal` timeoutEarlyInMillis before the timeout, then races the
 * handler against this response. Never settling leaves the race to the handler: it sees the abort,
 * records the attempts it cut short and returns its batch response as usual.
 */
const EARLY_TIMEOUT = {
  timeoutEarlyInMillis: ABORT_BEFORE_TIMEOUT_MS,
  timeoutEarlyResponse: () => new Promise<never>(() => {}),
};

/**
 * A channel queue's consumer (deliver-webhook, deliver-broadcast, deliver-social): one attempt per
 * message, through the channel adapters `adaptersOf` builds (once per deps, i.e. per cold start),
 * the batch's records concurrently within `limits`. A message that throws is reported as a batch
 * item failure (sqs-batch.ts): SQS redelivers it after the visibility timeout (the lease).
 */
export function makeDeliverHandler(
  getDeps: () => Deps,
  adaptersOf: (deps: Deps) => ChannelAdapters,
  limits: Partial<DeliverLimits> = {},
) {
  const { concurrency, perEndpoint, maxReceives } = { ...DELIVER_LIMITS, ...limits };
  const built = new WeakMap<Deps, ChannelAdapters>();
  const inTurn = oneAtATimePer<DeliverResult>();
  const handler = middy<SQSEvent, SQSBatchResponse>(EARLY_TIMEOUT).use(lambdaContext(() => getDeps().logger));
  return handler.handler(async (event, context, options): Promise<SQSBatchResponse> => {
    const deps = getDeps();
    // Aborts an attempt in flight shortly before the timeout: recorded as a retryable timeout,
    // rather than the invocation killed between the partner's answer and the outcome's write.
    const signal = options?.signal;
    // Each record's requests listen to it: more than Node's default 10 listeners, and no leak.
    if (signal) setMaxListeners(10 + 2 * concurrency, signal);
    let adapters = built.get(deps);
    if (!adapters) {
      adapters = limitAdapters(adaptersOf(deps), new SendLimiter(perEndpoint));
      built.set(deps, adapters);
    }
    // One queue, one channel kind: the metrics' dimension.
    const kind = Object.keys(adapters).join('+');
    const outcomes = new Map<string, Map<string, number>>();
    const events: OutgoingEvent[] = [];
    // Leave room for one more whole attempt plus the outcome write, or hand the rest back:
    // a POST cut by the Lambda timeout would be sent again without its outcome recorded.
    const reserveMs = deps.config.retryPolicy.timeoutMs + 2_000;
    const outOfTime = () =>
      typeof context?.getRemainingTimeInMillis === 'function' &&
      context.getRemainingTimeInMillis() < reserveMs;
    const batch = { schema: WorkMessage, what: 'work', logger: deps.logger, outOfTime, concurrency };
    const recorded = (result: DeliverResult) => {
      if (result.kind !== 'recorded') return;
      countOutcome(outcomes, kind, result.status);
      if (result.event) events.push(result.event);
    };
    const response = await eachMessage(event.Records, batch, async (msg, record) => {
      try {
        recorded(await inTurn(msg.deliveryId, () => deliver(deps, adapters, msg, signal)));
      } catch (error) {
        // Records run side by side on one logger: the line names its delivery itself, not through
        // the logger's persistent keys. Rethrown, it is a batch item failure.
        deps.logger.error('delivery attempt failed to complete', { deliveryId: msg.deliveryId, error });
        const receives = Number(record.attributes?.ApproximateReceiveCount ?? 0);
        if (receives < maxReceives) throw error;
        // The last receive: the delivery ends as failed, on its agreement's failed list, and the
        // message is done; if that write fails too, the message goes to the dead-letter queue.
        const ended = await inTurn(msg.deliveryId, () => giveUp(deps, msg, error, receives));
        deps.logger.error('delivery failed: its worker kept failing', {
          deliveryId: msg.deliveryId,
          receives,
        });
        recorded(ended);
      }
    });
    publishOutcomes(outcomes);
    // One PutEvents per batch rather than one per delivery; losing these is not losing a delivery.
    await deps.publisher
      .publish(events)
      .catch((error) => deps.logger.warn('outcome events not published', { error }));
    return response;
  });
}

/**
 * Runs calls with the same key one after the other, in the order they came (calls with other keys
 * are not held). Two records naming one delivery (a duplicate message, a sweeper's copy) thus never
 * attempt it at once: the second reads the delivery after the first recorded its outcome, as it did
 * when a batch ran one record at a time, rather than both sending and one losing the write's race.
 */
export function oneAtATimePer<T>() {
  const last = new Map<string, Promise<unknown>>();
  return (key: string, fn: () => Promise<T>): Promise<T> => {
    const before = last.get(key);
    const run = before ? before.then(fn, fn) : fn();
    const settled = run.catch(() => undefined);
    last.set(key, settled);
    // The last one for its key forgets the key when it ends: the map holds only what is under way.
    void settled.then(() => {
      if (last.get(key) === settled) last.delete(key);
    });
    return run;
  };
}
