import { endpointOf } from '#domain/circuit-breaker.ts';
import type { PostInput } from '#domain/social-post.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import {
  type ChannelAdapter,
  type ChannelOf,
  type ChannelOutcome,
  ChannelRefusal,
  type SendContext,
} from '#ports/channel-adapter.ts';
import type { HttpClient, HttpResult } from '#ports/http-client.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import { SocialCredentials, type SocialNetwork } from '#schemas/agreement.ts';

type SocialChannel = ChannelOf<'social'>;

/**
 * What every network's adapter shares: its dependencies, its channel type and network, and its
 * endpoint (the API base's origin, for the circuit breaker). Each network writes the rest.
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
}

/**
 * The answer with every occurrence of the token taken out of its body: an API may quote a malformed
 * token in its error message (Graph does: "Malformed access token EAAB…"), and that message reaches
 * operators.
 */
export function redacted(result: HttpResult, accessToken: string): HttpResult {
  if (result.kind !== 'response' || !result.body?.includes(accessToken)) return result;
  return { ...result, body: result.body.split(accessToken).join('[token]') };
}

/**
 * What a social adapter's `send`/`undo` hands to its `classify`: the answer that decides the attempt,
 * which step it answered (`post`, `reply`, `delete 123…`) and the id the network gave what was created.
 */
export interface SocialSent {
  step: string;
  result: HttpResult;
  remoteId?: string;
}

/**
 * The channel's credentials from the secret store. Missing means the channel (or its secret) was
 * removed: nothing can ever be sent, so the delivery is discarded. Unreadable is an operator's mistake
 * that a replay can follow once fixed, so it fails. Neither message ever includes the stored value.
 */
export async function socialCredentials(
  secrets: SecretStore,
  channel: ChannelOf<'social'>,
): Promise<SocialCredentials> {
  const raw = await secrets.get(channel.credentialsRef);
  if (raw === undefined) {
    throw new ChannelRefusal(
      `${channel.network} credentials missing from the secret store (ref ${channel.credentialsRef})`,
      true,
    );
  }
  const parsed = SocialCredentials.safeParse(parseJson(raw));
  if (!parsed.success) {
    // Only the paths of what is wrong: zod's messages may quote the value.
    const paths = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
    throw new ChannelRefusal(
      `${channel.network} credentials in the secret store (ref ${channel.credentialsRef}) are not valid: ` +
        `expected JSON {"accessToken": "..."}, problem at ${paths}`,
    );
  }
  return parsed.data;
}

/**
 * What a post is built from, read from the version's stored ninjs manifest: the main headline, the
 * summary, the publisher's web version (altid `canonical`), the topics and the language. Text is
 * taken as stored, never normalised.
 */
export function postInputOf(manifest: NinjsDocument): PostInput {
  const title =
    manifest.headlines.find((h) => h.role === 'main')?.value ?? manifest.headlines[0]?.value ?? '';
  const summary = manifest.descriptions?.find((d) => d.role === 'summary')?.value;
  const link = manifest.altids.find((a) => a.role === 'canonical')?.value;
  return {
    title,
    ...(summary && { summary }),
    ...(link && { link }),
    topics: manifest.subjects.map((s) => s.name),
    language: manifest.language,
  };
}

/** A network's JSON answer, or undefined when there is none or it is not JSON (a proxy's HTML page). */
export function parseJson(body: string | undefined): unknown {
  if (body === undefined || body === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** `value` cut to at most `max` UTF-16 units (`…` included) without splitting a surrogate pair, for error texts. */
export function clip(value: string, max = 200): string {
  if (value.length <= max) return value;
  const end = /[\uD800-\uDBFF]/.test(value.charAt(max - 2)) ? max - 2 : max - 1;
  return `${value.slice(0, end)}…`;
}
