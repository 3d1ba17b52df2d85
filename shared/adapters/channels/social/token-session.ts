import { retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { type ChannelOutcome, ChannelRefusal, type SendContext } from '#ports/channel-adapter.ts';
import type { HttpResult } from '#ports/http-client.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import { SOCIAL_AUTH_BASE_URL, SocialCredentials, type SocialNetwork } from '#schemas/agreement.ts';
import { clip, noAnswer, parseJson } from './answers.ts';
import { NETWORK_NAME, type SocialChannel } from './network-adapter.ts';
import { redacted, scrubbed } from './redaction.ts';

/**
 * The channel's credentials from the secret store. Missing means the channel (or its secret) was
 * removed: nothing can ever be sent, so the delivery is discarded. Unreadable is an operator's mistake
 * that a replay can follow once fixed, so it fails. Neither message ever includes the stored value.
 */
export async function socialCredentials(
  secrets: SecretStore,
  channel: SocialChannel,
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
type RefreshAnswer =
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

/**
 * One attempt's hold on a channel's token. Calls go through `call`: when the network refuses the token
 * as invalid or expired, the session gets a usable one (re-read, else refreshed and stored) and repeats
 * the call once. The steps and their races: docs/social.md, "Tokens and refresh".
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
  if (result.kind === 'network-error') return noAnswer(result, `${name} token refresh: ${result.error}`);
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
