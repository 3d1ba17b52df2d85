import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type ChannelAdapters, deliver } from '#app/deliver.ts';
import type { Deps } from '#app/deps.ts';
import type { OutgoingEvent } from '#schemas/events.ts';
import { WorkMessage } from '#schemas/work.ts';
import { countOutcome, publishOutcomes } from './metrics.ts';
import { lambdaContext } from './middleware.ts';
import { eachMessage } from './sqs-batch.ts';

/** How long before the Lambda timeout an attempt in flight is aborted: time left to record it. */
export const ABORT_BEFORE_TIMEOUT_MS = 1_000;

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
 * message, through the channel adapters `adaptersOf` builds (once per deps, i.e. per cold start). A
 * message that throws is reported as a batch item failure (sqs-batch.ts): SQS redelivers it after the
 * visibility timeout (the lease).
 */
export function makeDeliverHandler(getDeps: () => Deps, adaptersOf: (deps: Deps) => ChannelAdapters) {
  const built = new WeakMap<Deps, ChannelAdapters>();
  const handler = middy<SQSEvent, SQSBatchResponse>(EARLY_TIMEOUT).use(lambdaContext(() => getDeps().logger));
  return handler.handler(async (event, context, options): Promise<SQSBatchResponse> => {
    const deps = getDeps();
    // Aborts an attempt in flight shortly before the timeout: recorded as a retryable timeout,
    // rather than the invocation killed between the partner's answer and the outcome's write.
    const signal = options?.signal;
    let adapters = built.get(deps);
    if (!adapters) {
      adapters = adaptersOf(deps);
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
    const batch = { schema: WorkMessage, what: 'work', logger: deps.logger, outOfTime };
    const response = await eachMessage(event.Records, batch, async (msg) => {
      // Every log line about this record names its delivery (and agreement, once known).
      deps.logger.appendKeys({ deliveryId: msg.deliveryId });
      try {
        const result = await deliver(deps, adapters, msg, signal);
        if (result.kind !== 'recorded') return;
        countOutcome(outcomes, kind, result.status);
        if (result.event) {
          events.push(result.event);
          const { agreementId } = result.event.detail as { agreementId?: string };
          if (agreementId) deps.logger.appendKeys({ agreementId });
        }
      } catch (error) {
        // Logged here, while the log keys still name the delivery; rethrown, it is a batch item failure.
        deps.logger.error('delivery attempt failed to complete', { error });
        throw error;
      } finally {
        deps.logger.removeKeys(['deliveryId', 'agreementId']);
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
