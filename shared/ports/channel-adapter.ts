import type { ChannelOutcome, Delivery } from '#domain/delivery.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import type { Agreement, Channel, ChannelType } from '#schemas/agreement.ts';

export type { ChannelOutcome } from '#domain/delivery.ts';

/** The stored channel of one type. */
export type ChannelOf<T extends ChannelType> = Extract<Channel, { type: T }>;

/**
 * Everything an adapter knows about one attempt. The agreement is active, the channel is on it, the
 * article is not withdrawn (for a publish) and the circuit let the attempt through: the generic
 * worker (app/deliver.ts) checked all of that, so an adapter only builds, sends and reads answers.
 */
export interface SendContext<C extends Channel = Channel> {
  delivery: Delivery;
  agreement: Agreement;
  channel: C;
  /** The version's stored ninjs manifest; asset renditions are `s3://` hrefs into the packages bucket. */
  manifest: NinjsDocument;
  now: Date;
  /** Per-request deadline (for streamed bodies: the longest time without progress). */
  timeoutMs: number;
  /** Fires shortly before the invocation's own timeout: adapters pass it to their requests. */
  signal?: AbortSignal;
}

/**
 * Refused before any request, for a reason another try cannot change: a target the SSRF guard
 * refuses, credentials missing from the secret store, a post that cannot be made to fit the network.
 * `discard` ends the delivery as discarded (nothing was or will be sent, e.g. credentials removed with
 * the channel); otherwise it fails, which an operator can replay once the cause is fixed.
 */
export class ChannelRefusal extends Error {
  override readonly name = 'ChannelRefusal';
  constructor(
    message: string,
    readonly discard = false,
  ) {
    super(message);
  }
}

/**
 * One way content reaches a partner. The worker calls, per attempt:
 * - publish (and update) deliveries: `prepare` (build what is sent; may read secrets and the
 *   manifest, makes no request), then `send` with what it built, then `classify` what came back;
 * - withdrawal deliveries: `undo` (take down what earlier publishes created: a webhook
 *   `article.withdrawn`, a NewsML-G2 kill notice, deleted posts), then `classify`.
 * An update is a publish whose delivery has `supersedes` (the partner has an older version).
 * Adding a channel or a network is one file implementing this, plus its tests and one registry line.
 */
export interface ChannelAdapter<C extends Channel = Channel, Prepared = unknown, Sent = unknown> {
  readonly type: C['type'];
  /** Scheme, host and port the attempt talks to, for the circuit breaker and logs (no path, no secrets). */
  endpoint(channel: C): string;
  /** Builds what a publish sends; throws ChannelRefusal for a final refusal. */
  prepare(ctx: SendContext<C>): Promise<Prepared>;
  send(ctx: SendContext<C>, prepared: Prepared): Promise<Sent>;
  /** Takes down what the partner got; throws ChannelRefusal for a final refusal. */
  undo(ctx: SendContext<C>): Promise<Sent>;
  classify(sent: Sent, ctx: SendContext<C>): ChannelOutcome;
}
