import type { Delivery } from '#domain/delivery.ts';
import type { ChannelAdapter, ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import { publishWith, undoWith } from './channel-attempt.ts';

type SocialContext = SendContext<ChannelOf<'social'>>;

/**
 * A social test's attempts through `adapter`, every outcome kept in `outcomes` (the file checks at the
 * end that no secret reached one): `publish` a context (by default `ctxOf()`), `takeDown` the posts
 * with `remoteIds`.
 */
export function recordedAttempts<P, S>(
  adapter: ChannelAdapter<ChannelOf<'social'>, P, S>,
  ctxOf: (delivery?: Partial<Delivery>) => SocialContext,
  outcomes: ChannelOutcome[],
) {
  const kept = (outcome: ChannelOutcome) => {
    outcomes.push(outcome);
    return outcome;
  };
  return {
    publish: async (ctx: SocialContext = ctxOf()) => kept(await publishWith(adapter, ctx)),
    takeDown: async (remoteIds: string[]) =>
      kept(await undoWith(adapter, ctxOf({ kind: 'withdrawal', takedown: { remoteIds } }))),
  };
}

/**
 * A refresh token, client id and client secret for a test to store beside its channel's token, never
 * used by the test (renewal: social-token-refresh.test.ts): like the token, none may reach an outcome.
 */
export function storedRefresh(network: string, clientId = `${network}-client-id`) {
  return {
    refreshToken: `${network}-refresh-token-fedcba9876543210`,
    clientId,
    clientSecret: `${network}-client-secret-Hn5Vd3a5a5a`,
  };
}
