import { endpointOf } from '#domain/circuit-breaker.ts';
import { retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { composePost, type PostInput, type PostRules, PostTooLongError } from '#domain/social-post.ts';
import { canonicalUrl, headline, summary } from '#formats/feed-view.ts';
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
import { SOCIAL_AUTH_BASE_URL, SocialCredentials, type SocialNetwork } from '#schemas/agreement.ts';

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
 * The answer with every occurrence of the token (and of any other secret given) taken out of its
 * body: an API may quote a malformed token in its error message (Graph does: "Malformed access token
 * EAAB…"), and that message reaches operators.
 */
export function redacted(result: HttpResult, ...secrets: string[]): HttpResult {
  if (result.kind !== 'response' || result.body === undefined) return result;
  const body = scrubbed(result.body, secrets);
  return body === result.body ? result : { ...result, body };
}

/** `text` with every occurrence of each secret replaced by `[token]` (longest first: one may contain another). */
export function scrubbed(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret && out.includes(secret)) out = out.split(secret).join('[token]');
  }
  return out;
}

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
 * The channel's credentials from the secret store. Missing means the channel (or its secret) was
 * removed: nothing can ever be sent, so the delivery is discarded. Unreadable is an operator's mistake
 * that a replay can follow once fixed, so it fails. Neither message ever includes the stored value.
 */
export async function socialCredentials(
  secrets: SecretStore,
  channel: ChannelOf<'social'>,
  options: { fresh?: boolean } = {},
): Promise<SocialCredentials> {
  const raw = await secrets.get(channel.credentialsRef, options);
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
        `expected JSON {"accessToken": "...", and optionally "refreshToken", "clientId", "clientSecret"}, ` +
        `problem at ${paths}`,
    );
  }
  return parsed.data;
}

/** What a network's token endpoint answered to a refresh. */
export type RefreshAnswer =
  | { kind: 'renewed'; accessToken: string; refreshToken?: string }
  /**
   * Refused for good (refresh token used, revoked or expired; client id or secret wrong): `reason`,
   * the network's words, never a secret. Only re-authorising the account helps.
   */
  | { kind: 'refused'; reason: string; httpStatus?: number; durationMs: number }
  /** The credentials lack what this network's refresh needs (`reason` names it). */
  | { kind: 'impossible'; reason: string }
  /** No usable answer this time (no answer, 5xx, a rate limit): the attempt's outcome, a retry. */
  | { kind: 'unavailable'; outcome: ChannelOutcome };

/** Calls a network's token endpoint with stored credentials that have a refresh token and client id. */
export type TokenRefresher = (
  credentials: SocialCredentials & { refreshToken: string; clientId: string },
  ctx: SendContext<SocialChannel>,
) => Promise<RefreshAnswer>;

const NETWORK_NAME: Record<SocialNetwork, string> = { x: 'X', facebook: 'Facebook', zalo: 'Zalo' };

/**
 * One attempt's hold on a channel's token. Calls go through `call`: when the network refuses the token
 * as invalid or expired, the session gets a usable one and repeats the call once.
 * 1. The credentials are read again past any cache: if the stored token is not the one just refused,
 *    another worker (or an operator's PUT) already replaced it, and that one is used.
 * 2. Otherwise, with a refresh token and client id stored, the network's token endpoint is called and
 *    the new tokens are written back (the old refresh token is spent: X rotates them, Zalo's are single
 *    use) before the call is repeated.
 * 3. A refresh refused reads the store once more (a concurrent worker may have spent the refresh token
 *    and stored its result); if nothing changed, the attempt fails with the network's reason: an
 *    operator must re-authorise and PUT the channel's credentials.
 * A refresh that gets no usable answer (timeout, 5xx, 429) makes the attempt a retry. At most one
 * renewal per attempt, so a token refused right after it was renewed fails as before.
 */
export class TokenSession {
  readonly #secrets: SecretStore;
  readonly #channel: SocialChannel;
  readonly #refresh: TokenRefresher | undefined;
  #credentials: SocialCredentials;
  /** Every token and client secret this attempt has seen, to take out of answers. */
  readonly #known = new Set<string>();
  #renewalTried = false;
  /** Why the renewal could not give a token, when it was tried and failed: the attempt's outcome. */
  failure: ChannelOutcome | undefined;

  constructor(deps: {
    secrets: SecretStore;
    channel: SocialChannel;
    credentials: SocialCredentials;
    refresh?: TokenRefresher;
  }) {
    this.#secrets = deps.secrets;
    this.#channel = deps.channel;
    this.#refresh = deps.refresh;
    this.#credentials = deps.credentials;
    this.#remember(deps.credentials);
  }

  /** The credentials in the secret store (through its cache), as a session for one attempt. */
  static async open(
    secrets: SecretStore,
    channel: SocialChannel,
    refresh?: TokenRefresher,
  ): Promise<TokenSession> {
    const credentials = await socialCredentials(secrets, channel);
    return new TokenSession({ secrets, channel, credentials, ...(refresh && { refresh }) });
  }

  get accessToken(): string {
    return this.#credentials.accessToken;
  }

  /** Every secret value known to the session, for `redacted`/`scrubbed`. */
  get secrets(): string[] {
    return [...this.#known];
  }

  /**
   * `request` with the current token; when its answer `refusesToken`, once per attempt, renews the
   * token and repeats the request with it. The answer comes back with every known secret taken out.
   * When the renewal failed, `failure` is set and the refused answer is returned.
   */
  async call(
    request: (accessToken: string) => Promise<HttpResult>,
    refusesToken: (result: HttpResult) => boolean,
    ctx: SendContext<SocialChannel>,
  ): Promise<HttpResult> {
    const token = this.accessToken;
    let result = await request(token);
    if (refusesToken(result) && !this.#renewalTried) {
      this.#renewalTried = true;
      const renewed = await this.#renew(token, ctx);
      if (renewed) result = await request(renewed);
    }
    return redacted(result, ...this.#known);
  }

  async #renew(refused: string, ctx: SendContext<SocialChannel>): Promise<string | undefined> {
    const stored = await this.#reread();
    if (stored.accessToken !== refused) return this.#use(stored);
    const { refreshToken, clientId } = stored;
    if (!this.#refresh || !refreshToken || !clientId) return undefined;
    const answer = await this.#refresh({ ...stored, refreshToken, clientId }, ctx);
    const name = NETWORK_NAME[this.#channel.network];
    switch (answer.kind) {
      case 'renewed':
        return this.#use(await this.#store(stored, answer));
      case 'unavailable':
        this.failure = { ...answer.outcome, error: scrubbed(answer.outcome.error ?? '', this.secrets) };
        return undefined;
      case 'impossible':
        this.failure = {
          verdict: 'failed',
          error: `${name} token expired and cannot be refreshed: ${answer.reason}`,
          durationMs: 0,
        };
        return undefined;
      case 'refused': {
        const again = await this.#reread();
        if (again.accessToken !== refused) return this.#use(again);
        this.failure = {
          verdict: 'failed',
          error: clip(
            `${name} token expired and refresh refused: ${scrubbed(answer.reason, this.secrets)}`,
            240,
          ),
          durationMs: answer.durationMs,
          ...(answer.httpStatus !== undefined && { httpStatus: answer.httpStatus }),
        };
        return undefined;
      }
    }
  }

  async #reread(): Promise<SocialCredentials> {
    const credentials = await socialCredentials(this.#secrets, this.#channel, { fresh: true });
    this.#remember(credentials);
    return credentials;
  }

  #use(credentials: SocialCredentials): string {
    this.#credentials = credentials;
    this.#remember(credentials);
    return credentials.accessToken;
  }

  /**
   * Writes the renewed tokens back before they are used: the old refresh token is spent, so tokens not
   * stored are lost to every other worker and to the next expiry.
   */
  async #store(
    old: SocialCredentials,
    renewed: { accessToken: string; refreshToken?: string },
  ): Promise<SocialCredentials> {
    const next = {
      ...old,
      accessToken: renewed.accessToken,
      refreshToken: renewed.refreshToken ?? old.refreshToken,
    };
    this.#remember(next);
    const name = NETWORK_NAME[this.#channel.network];
    const parsed = SocialCredentials.safeParse(next);
    if (!parsed.success) {
      throw new ChannelRefusal(
        `${name} token refreshed, but the network's new token is not one Loa can store ` +
          `(8-4096 printable ASCII): re-authorise the account and PUT the channel's credentials`,
      );
    }
    try {
      await this.#secrets.put(this.#channel.credentialsRef, JSON.stringify(parsed.data));
    } catch (error) {
      const why = error instanceof Error ? error.name : 'error';
      throw new Error(
        `${name} token refreshed but not stored in the secret store (ref ${this.#channel.credentialsRef}, ` +
          `${why}): the old refresh token is spent, so the account must be re-authorised`,
        { cause: error },
      );
    }
    return parsed.data;
  }

  #remember(credentials: SocialCredentials): void {
    for (const value of [credentials.accessToken, credentials.refreshToken, credentials.clientSecret]) {
      if (value) this.#known.add(value);
    }
  }
}

/**
 * The outcome of a token endpoint's answer that is not worth reading: no answer, a 5xx or a 429 (a
 * retry, waiting for Retry-After when sent); undefined for any other answer.
 */
export function refreshUnavailable(
  network: SocialNetwork,
  result: HttpResult,
  now: Date,
): ChannelOutcome | undefined {
  const name = NETWORK_NAME[network];
  if (result.kind === 'network-error') {
    return {
      verdict: 'retry',
      error: `${name} token refresh: ${result.error}`,
      durationMs: result.durationMs,
      noAnswer: true,
    };
  }
  if (result.status < 500 && result.status !== 429 && result.status !== 408) return undefined;
  const waitMs = retryAfterFromHeaders(result.headers, now);
  return {
    verdict: 'retry',
    error: `${name} token refresh: HTTP ${result.status}`,
    httpStatus: result.status,
    durationMs: result.durationMs,
    ...(waitMs !== undefined && { waitMs }),
  };
}

/** Base URL of the network's OAuth token endpoint: the channel's `authBaseUrl`, else the network's own. */
export function authBaseOf(channel: SocialChannel): string {
  const base = channel.authBaseUrl ?? SOCIAL_AUTH_BASE_URL[channel.network] ?? channel.baseUrl;
  return base.replace(/\/+$/, '');
}

/**
 * What a post is built from, read from the version's stored ninjs manifest: the main headline, the
 * summary, the publisher's web version (altid `canonical`), the topics and the language. Text is
 * taken as stored, never normalised.
 */
export function postInputOf(manifest: NinjsDocument): PostInput {
  const text = summary(manifest);
  const link = canonicalUrl(manifest);
  return {
    title: headline(manifest),
    ...(text && { summary: text }),
    ...(link && { link }),
    topics: manifest.subjects.map((s) => s.name),
    language: manifest.language,
  };
}

/**
 * composePost, with a post that cannot be made to fit refused for good (a ChannelRefusal led by
 * `what`, e.g. `X post too long:`): another try would build the same text.
 */
export function composeOrRefuse(what: string, input: PostInput, rules: PostRules): string {
  try {
    return composePost(input, rules);
  } catch (error) {
    if (error instanceof PostTooLongError) throw new ChannelRefusal(`${what} ${error.message}`);
    throw error;
  }
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
