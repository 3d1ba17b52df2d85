import type { ChannelAdapter, ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { PushChannelType } from '#ports/work-queue.ts';
import type { Channel } from '#schemas/agreement.ts';

/**
 * The adapters a worker holds, by channel type (a worker builds only those of its queue), each typed
 * for its own channel: the worker hands it only deliveries of that type.
 */
export type ChannelAdapters = { [T in PushChannelType]?: ChannelAdapter<ChannelOf<T>> };

/** An adapter bound to the channel it serves, checked to be of its type. */
export interface BoundAdapter {
  /** Scheme, host and port: what the circuits are kept by. */
  endpoint: string;
  /** A publish builds and sends, a withdrawal takes down; either way the adapter reads its own answer. */
  attempt(ctx: Omit<SendContext, 'channel'>, withdrawal: boolean): Promise<ChannelOutcome>;
}

/** The adapter of a channel type, typed for that type's channels. */
export function adapterOf<T extends PushChannelType>(
  adapters: ChannelAdapters,
  type: T,
): ChannelAdapter<ChannelOf<T>> | undefined {
  return adapters[type];
}

/** `adapter` for `channel`: a wiring fault (thrown) when the channel is of another type. */
export function bind<C extends Channel>(adapter: ChannelAdapter<C>, channel: Channel): BoundAdapter {
  if (!isChannelOf(channel, adapter))
    throw new Error(`a ${adapter.type} adapter handed a ${channel.type} channel`);
  return {
    endpoint: adapter.endpoint(channel),
    attempt: async (base, withdrawal) => {
      const ctx: SendContext<C> = { ...base, channel };
      const sent = withdrawal ? await adapter.undo(ctx) : await adapter.send(ctx, await adapter.prepare(ctx));
      return adapter.classify(sent, ctx);
    },
  };
}

function isChannelOf<C extends Channel>(channel: Channel, adapter: ChannelAdapter<C>): channel is C {
  return channel.type === adapter.type;
}
