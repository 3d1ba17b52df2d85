import type { Config } from '#config/config.ts';
import { endpointOf } from '#domain/circuit-breaker.ts';
import { webhookMessageId } from '#domain/ids.ts';
import { classifyHttpStatus, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { ChannelSecrets } from '#domain/signing-keys.ts';
import { targetUrlProblem } from '#domain/target-policy.ts';
import { signWebhook } from '#domain/webhook-signature.ts';
import { WEBHOOK_EVENT, webhookBody, withdrawalBody } from '#formats/webhook-payload.ts';
import type { ChannelAdapter, ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import { ChannelRefusal } from '#ports/channel-adapter.ts';
import type { HttpClient, HttpResult } from '#ports/http-client.ts';
import type { SecretStore } from '#ports/secret-store.ts';

type WebhookChannel = ChannelOf<'webhook'>;

/** A signed POST, built: the body and the headers that carry its signature. */
interface PreparedWebhook {
  body: string;
  headers: Record<string, string>;
}

/** HTTP's answer (or its absence): a webhook attempt is one POST. */
type SentWebhook = HttpResult;

/**
 * Web partners: one POST of the Standard Webhooks envelope `{type, timestamp, data}` per attempt,
 * signed with the channel's secret; `webhook-id` is derived from the delivery, so it is the same on
 * every retry and replay and partners de-duplicate on it (docs/webhooks.md). An update is
 * `article.updated` with the same article id; a takedown is `article.withdrawn`.
 */
export class WebhookAdapter implements ChannelAdapter<WebhookChannel, PreparedWebhook, SentWebhook> {
  readonly type = 'webhook';
  readonly #deps: { http: HttpClient; secrets: SecretStore; config: Config };
  /** The master key, read once per container (on the first signing); the channels' secrets derived from it. */
  #signingKeys: ChannelSecrets | undefined;

  constructor(deps: { http: HttpClient; secrets: SecretStore; config: Config }) {
    this.#deps = deps;
  }

  endpoint(channel: WebhookChannel): string {
    return endpointOf(channel.url);
  }

  async prepare(ctx: SendContext<WebhookChannel>): Promise<PreparedWebhook> {
    const { delivery: d } = ctx;
    const type = d.event ?? (d.supersedes ? WEBHOOK_EVENT.updated : WEBHOOK_EVENT.published);
    const body = await webhookBody(this.#deps, ctx.agreement, ctx.manifest, ctx.now, type);
    return this.#signed(ctx, body);
  }

  send(ctx: SendContext<WebhookChannel>, prepared: PreparedWebhook): Promise<SentWebhook> {
    return this.#deps.http.post(ctx.channel.url, prepared.headers, prepared.body, ctx.timeoutMs, ctx.signal);
  }

  async undo(ctx: SendContext<WebhookChannel>): Promise<SentWebhook> {
    const prepared = await this.#signed(ctx, withdrawalBody(ctx.delivery, ctx.manifest, ctx.now));
    return this.send(ctx, prepared);
  }

  classify(result: SentWebhook, ctx: SendContext<WebhookChannel>): ChannelOutcome {
    if (result.kind === 'network-error') {
      return { verdict: 'retry', error: result.error, durationMs: result.durationMs, noAnswer: true };
    }
    const verdict = classifyHttpStatus(result.status);
    const waitMs = retryAfterFromHeaders(result.headers, ctx.now);
    return {
      verdict,
      httpStatus: result.status,
      durationMs: result.durationMs,
      ...(verdict !== 'delivered' && { error: `HTTP ${result.status}` }),
      ...(waitMs !== undefined && { waitMs }),
    };
  }

  async #signed(ctx: SendContext<WebhookChannel>, body: string): Promise<PreparedWebhook> {
    const refusal = targetUrlProblem(ctx.channel.url, {
      allowPrivateTargets: this.#deps.config.allowPrivateTargets,
    });
    if (refusal) throw new ChannelRefusal(`target refused: webhook URL ${refusal}`);
    this.#signingKeys ??= new ChannelSecrets(this.#deps.secrets);
    const secret = await this.#signingKeys.of(ctx.agreement.agreementId, ctx.channel, ctx.now);
    if (!secret.length) throw new ChannelRefusal('webhook secret missing from the secret store', true);
    const headers = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'Loa/0.1 (+webhooks)',
      ...signWebhook(
        secret,
        webhookMessageId(ctx.delivery.deliveryId),
        Math.floor(ctx.now.getTime() / 1000),
        body,
      ),
    };
    return { body, headers };
  }
}
