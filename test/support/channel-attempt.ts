import type { Delivery } from '#domain/delivery.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import type { ChannelAdapter, ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { Channel } from '#schemas/agreement.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';

/** An in-memory secret store whose values a test can read and change. */
export class MemorySecrets implements SecretStore {
  readonly values: Map<string, string>;

  constructor(initial: Record<string, string> = {}) {
    this.values = new Map(Object.entries(initial));
  }

  async get(ref: string): Promise<string | undefined> {
    return this.values.get(ref);
  }

  async put(ref: string, value: string): Promise<void> {
    this.values.set(ref, value);
  }
}

/** One publish attempt as the worker makes it: prepare, send, classify. */
export async function publishWith<C extends Channel, P, S>(
  adapter: ChannelAdapter<C, P, S>,
  ctx: SendContext<C>,
): Promise<ChannelOutcome> {
  return adapter.classify(await adapter.send(ctx, await adapter.prepare(ctx)), ctx);
}

/** One takedown attempt as the worker makes it: undo, classify. */
export async function undoWith<C extends Channel, P, S>(
  adapter: ChannelAdapter<C, P, S>,
  ctx: SendContext<C>,
): Promise<ChannelOutcome> {
  return adapter.classify(await adapter.undo(ctx), ctx);
}

/** One attempt's context on a social channel: the fixtures' agreement and delivery, on that channel. */
export function socialContext(
  channel: ChannelOf<'social'>,
  delivery: Partial<Delivery>,
  manifest: NinjsDocument,
): SendContext<ChannelOf<'social'>> {
  return {
    delivery: deliveryFixture({ channelId: channel.channelId, channelType: 'social', ...delivery }),
    agreement: agreementFixture({ channels: [channel] }),
    channel,
    manifest,
    now: new Date('2025-06-01T08:00:00Z'),
    timeoutMs: 2_000,
  };
}
