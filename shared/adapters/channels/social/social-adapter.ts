import type { Config } from '#config/config.ts';
import type { ChannelAdapter, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { HttpClient } from '#ports/http-client.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { SocialNetwork } from '#schemas/agreement.ts';
import { FacebookAdapter } from './facebook.ts';
import type { NetworkAdapter, SocialChannel } from './network-adapter.ts';
import { XAdapter } from './x.ts';
import { ZaloAdapter } from './zalo.ts';

/** What the network adapters are built from (config: for signed asset links, e.g. a Zalo cover). */
export interface NetworkDeps {
  http: HttpClient;
  secrets: SecretStore;
  config: Pick<Config, 'publicBaseUrl' | 'assetLinkTtlSeconds'>;
}

/** Every network Loa posts to. Adding one is its adapter file, its tests, and one line here. */
export function networkAdapters(deps: {
  http: HttpClient;
  secrets: SecretStore;
}): Record<SocialNetwork, NetworkAdapter> {
  return {
    x: new XAdapter(deps),
    facebook: new FacebookAdapter(deps),
    zalo: new ZaloAdapter(deps),
  };
}

/** The social channel: hands each call to the adapter of the channel's network. */
export class SocialAdapter implements ChannelAdapter<SocialChannel, unknown, unknown> {
  readonly type = 'social';
  readonly #networks: Record<SocialNetwork, NetworkAdapter>;

  constructor(deps: NetworkDeps) {
    this.#networks = networkAdapters(deps);
  }

  #of(channel: SocialChannel): NetworkAdapter {
    return this.#networks[channel.network];
  }

  endpoint(channel: SocialChannel): string {
    return this.#of(channel).endpoint(channel);
  }

  prepare(ctx: SendContext<SocialChannel>): Promise<unknown> {
    return this.#of(ctx.channel).prepare(ctx);
  }

  send(ctx: SendContext<SocialChannel>, prepared: unknown): Promise<unknown> {
    return this.#of(ctx.channel).send(ctx, prepared);
  }

  undo(ctx: SendContext<SocialChannel>): Promise<unknown> {
    return this.#of(ctx.channel).undo(ctx);
  }

  classify(sent: unknown, ctx: SendContext<SocialChannel>): ChannelOutcome {
    return this.#of(ctx.channel).classify(sent, ctx);
  }
}
