import type { ChannelAdapter, ChannelOf } from '#ports/channel-adapter.ts';
import type { PushChannelType } from '#ports/work-queue.ts';
import type { Channel } from '#schemas/agreement.ts';
import type { ChannelAdapters } from './delivery-adapters.ts';

/** A counting semaphore: at most `limit` holders, the waiting ones served first come, first served. */
class Slots {
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  get held(): number {
    return this.#held;
  }

  get idle(): boolean {
    return this.#held === 0 && this.#waiting.length === 0;
  }

  acquire(): Promise<void> {
    if (this.#held < this.limit) {
      this.#held++;
      return Promise.resolve();
    }
    // The slot passes straight from the releaser to the first waiter: `held` stays as it is.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held--;
  }
}

/**
 * At most `perEndpoint` requests in flight to one endpoint (scheme, host and port, as the circuits
 * key them): a worker running a batch's records at once does not open ten connections to one partner,
 * and the other partners' records go on while one partner's wait their turn.
 */
export class SendLimiter {
  readonly #endpoints = new Map<string, Slots>();

  constructor(readonly perEndpoint: number) {
    if (!(perEndpoint >= 1)) throw new Error(`perEndpoint must be at least 1, not ${perEndpoint}`);
  }

  /** Requests in flight to `endpoint` now. */
  inFlight(endpoint: string): number {
    return this.#endpoints.get(endpoint)?.held ?? 0;
  }

  /** Runs `fn` once `endpoint` has a free slot, and frees it when `fn` settles. */
  async run<T>(endpoint: string, fn: () => Promise<T>): Promise<T> {
    let slots = this.#endpoints.get(endpoint);
    if (!slots) {
      slots = new Slots(this.perEndpoint);
      this.#endpoints.set(endpoint, slots);
    }
    await slots.acquire();
    try {
      return await fn();
    } finally {
      slots.release();
      // An endpoint nobody waits for is forgotten: the map holds only the partners being sent to.
      if (slots.idle) this.#endpoints.delete(endpoint);
    }
  }
}

/**
 * `adapters` with each request to a partner (a publish's `send`, a withdrawal's `undo`) run through
 * `limiter`, keyed by the adapter's endpoint for the channel. Building what is sent (`prepare`) and
 * reading the answer (`classify`) are not limited: they make no request to the partner.
 */
export function limitAdapters(adapters: ChannelAdapters, limiter: SendLimiter): ChannelAdapters {
  const limited: ChannelAdapters = {};
  for (const type of Object.keys(adapters) as PushChannelType[]) setLimited(limited, adapters, type, limiter);
  return limited;
}

function setLimited<T extends PushChannelType>(
  into: { [K in T]?: ChannelAdapter<ChannelOf<K>> },
  from: { [K in T]?: ChannelAdapter<ChannelOf<K>> },
  type: T,
  limiter: SendLimiter,
): void {
  const adapter = from[type];
  if (adapter) into[type] = limitAdapter(adapter, limiter);
}

function limitAdapter<C extends Channel, P, S>(
  adapter: ChannelAdapter<C, P, S>,
  limiter: SendLimiter,
): ChannelAdapter<C, P, S> {
  return {
    type: adapter.type,
    endpoint: (channel) => adapter.endpoint(channel),
    prepare: (ctx) => adapter.prepare(ctx),
    send: (ctx, prepared) => limiter.run(adapter.endpoint(ctx.channel), () => adapter.send(ctx, prepared)),
    undo: (ctx) => limiter.run(adapter.endpoint(ctx.channel), () => adapter.undo(ctx)),
    classify: (sent, ctx) => adapter.classify(sent, ctx),
  };
}
