import type { ChannelAdapter, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { Channel } from '#schemas/agreement.ts';

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
