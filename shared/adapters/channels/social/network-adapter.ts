import { endpointOf } from '#domain/circuit-breaker.ts';
import type { ChannelAdapter, ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import { ChannelRefusal } from '#ports/channel-adapter.ts';
import type { HttpClient, HttpRequest, HttpResult } from '#ports/http-client.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { SocialNetwork } from '#schemas/agreement.ts';

export type SocialChannel = ChannelOf<'social'>;

/** One network's adapter: a channel adapter for social channels of that network. */
export type NetworkAdapter = ChannelAdapter<SocialChannel, unknown, unknown> & {
  readonly network: SocialNetwork;
};

/** Each network's name as operators read it in errors. */
export const NETWORK_NAME: Record<SocialNetwork, string> = { x: 'X', facebook: 'Facebook', zalo: 'Zalo' };

const USER_AGENT = 'Loa/0.1 (+social)';

/**
 * What a social adapter's `send`/`undo` hands to its `classify`: the answer that decides the attempt,
 * which step it answered (`post`, `reply`, `delete 123…`) and the id the network gave what was created.
 */
export interface SocialSent {
  step: string;
  result: HttpResult;
  remoteId?: string;
  /**
   * The network refused the token and renewing it failed (refresh refused, or its endpoint did not
   * answer usably): this is the attempt's outcome, whatever `result` says.
   */
  tokenFailure?: ChannelOutcome;
}

/**
 * What every network's adapter shares: its dependencies, its channel type and network, its endpoint
 * (the API base's origin, for the circuit breaker) and how it calls the API. Each network writes the rest.
 */
export abstract class SocialNetworkAdapter<Prepared, Sent>
  implements ChannelAdapter<SocialChannel, Prepared, Sent>
{
  readonly type = 'social';
  abstract readonly network: SocialNetwork;
  protected readonly deps: { http: HttpClient; secrets: SecretStore };

  constructor(deps: { http: HttpClient; secrets: SecretStore }) {
    this.deps = deps;
  }

  endpoint(channel: SocialChannel): string {
    return endpointOf(channel.baseUrl);
  }

  abstract prepare(ctx: SendContext<SocialChannel>): Promise<Prepared>;
  abstract send(ctx: SendContext<SocialChannel>, prepared: Prepared): Promise<Sent>;
  abstract undo(ctx: SendContext<SocialChannel>): Promise<Sent>;
  abstract classify(sent: Sent, ctx: SendContext<SocialChannel>): ChannelOutcome;

  /**
   * The ids a takedown acts on (what earlier publishes created). None known: refused as `nothing`,
   * and the delivery discarded, every network alike: there is nothing to delete.
   */
  protected takedownIds(ctx: SendContext<SocialChannel>, nothing: string): string[] {
    const ids = [...(ctx.delivery.takedown?.remoteIds ?? [])];
    if (ids.length === 0) throw new ChannelRefusal(nothing, true);
    return ids;
  }

  /**
   * `remove` for each id in turn, stopping at the first answer that is not `done`: that answer decides
   * the takedown, else the last one does. `ids` is not empty.
   */
  protected async removeEach(
    ids: readonly string[],
    remove: (id: string) => Promise<SocialSent>,
    done: (sent: SocialSent) => boolean,
  ): Promise<SocialSent> {
    let last: SocialSent | undefined;
    for (const id of ids) {
      last = await remove(id);
      if (!done(last)) return last;
    }
    return last as SocialSent;
  }

  /**
   * One API call within the attempt's deadline and signal, its answer's body kept (ids, error codes);
   * `headers` come after Loa's user agent and `accept: application/json`.
   */
  protected request(
    ctx: SendContext<SocialChannel>,
    req: Pick<HttpRequest, 'method' | 'url' | 'headers' | 'body'>,
  ): Promise<HttpResult> {
    return this.deps.http.request({
      ...req,
      headers: { accept: 'application/json', 'user-agent': USER_AGENT, ...req.headers },
      timeoutMs: ctx.timeoutMs,
      ...(ctx.signal && { signal: ctx.signal }),
      readBody: true,
    });
  }
}

/** The channel's API base URL, without trailing slashes. */
export function apiBase(channel: SocialChannel): string {
  return channel.baseUrl.replace(/\/+$/, '');
}
