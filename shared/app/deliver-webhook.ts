import { ATTEMPTABLE, type Attempt, type Delivery, type DeliveryStatus } from '#domain/delivery.ts';
import { webhookMessageId } from '#domain/ids.ts';
import { classifyHttpStatus, mayRetry, nextDelayMs, parseRetryAfter } from '#domain/retry-policy.ts';
import { signWebhook } from '#domain/webhook-signature.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import type { HttpResult } from '#ports/http-client.ts';
import type { WorkMessage } from '#ports/work-queue.ts';
import { DETAIL_TYPE, type OutgoingEvent, SOURCE } from '#schemas/events.ts';
import type { Deps } from './deps.ts';
import { webhookBody } from './webhook-payload.ts';

export type DeliverResult =
  | { kind: 'skipped'; why: string }
  | { kind: 'deferred'; delaySeconds: number }
  | { kind: 'recorded'; status: DeliveryStatus; event?: OutgoingEvent }
  | { kind: 'lost-race' };

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

function verdictOf(result: HttpResult): { verdict: 'delivered' | 'retry' | 'failed'; error?: string } {
  if (result.kind === 'network-error') return { verdict: 'retry', error: result.error };
  const verdict = classifyHttpStatus(result.status);
  return verdict === 'delivered' ? { verdict } : { verdict, error: `HTTP ${result.status}` };
}

/** Ends a delivery without sending: its agreement or channel is gone or no longer active. */
async function discard(
  deps: Pick<Deps, 'deliveries'>,
  d: Delivery,
  why: string,
  at: string,
): Promise<DeliverResult> {
  const attempt: Attempt = {
    n: d.attemptCount + 1,
    at,
    trigger: 'scheduled',
    outcome: 'failed',
    error: why,
    durationMs: 0,
  };
  const ok = await deps.deliveries.recordOutcome(d, { status: 'discarded', attempt, lastError: why });
  return ok ? { kind: 'recorded', status: 'discarded' } : { kind: 'lost-race' };
}

/**
 * Makes one attempt of a webhook delivery and records its outcome with one conditional write;
 * schedules the next attempt with backoff, or fails the delivery when the policy is spent.
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
  const at = now.toISOString();
  const agreement = await deps.agreements.get(d.agreementId);
  if (!agreement || agreement.status !== 'active') {
    return discard(deps, d, `agreement ${agreement ? agreement.status : 'deleted'}`, at);
  }
  const channel = agreement.channels.find((c) => c.channelId === d.channelId);
  if (channel?.type !== 'webhook') return discard(deps, d, 'channel no longer on the agreement', at);
  const secret = await deps.secrets.get(channel.secretRef);
  if (!secret) return discard(deps, d, 'webhook secret missing from the secret store', at);

  const body = await webhookBody(deps, agreement, await manifestOf(deps, d.manifest.key), now);
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': 'Loa/0.1 (+webhooks)',
    ...signWebhook(secret, webhookMessageId(d.deliveryId), Math.floor(now.getTime() / 1000), body),
  };
  const result = await deps.http.post(channel.url, headers, body, deps.config.retryPolicy.timeoutMs);
  const { verdict, error } = verdictOf(result);
  const n = d.attemptCount + 1;
  const attempt: Attempt = {
    n,
    at,
    trigger: msg.trigger,
    outcome: verdict,
    durationMs: result.durationMs,
    ...(result.kind === 'response' && { httpStatus: result.status }),
    ...(error && { error }),
  };

  const policy = deps.config.retryPolicy;
  if (verdict === 'retry' && mayRetry(policy, n)) {
    const retryAfter =
      result.kind === 'response' ? parseRetryAfter(result.headers['retry-after'], now) : undefined;
    const delayMs = nextDelayMs(policy, n, retryAfter);
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
  const status = verdict === 'delivered' ? 'delivered' : 'failed';
  const ok = await deps.deliveries.recordOutcome(d, { status, attempt, ...(error && { lastError: error }) });
  if (!ok) return { kind: 'lost-race' };
  const ref = {
    deliveryId: d.deliveryId,
    agreementId: d.agreementId,
    channelId: d.channelId,
    articleId: d.articleId,
    version: d.version,
  };
  const event: OutgoingEvent =
    status === 'delivered'
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
  return { kind: 'recorded', status, event };
}
