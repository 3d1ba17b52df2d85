import type { Config } from '#config/config.ts';
import { classifyHttpStatus, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { withSignedAssetLinks } from '#formats/webhook-payload.ts';
import type { ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { HttpClient, HttpResult } from '#ports/http-client.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import { clip, isSuccess, noAnswer, parseJson } from './answers.ts';
import { apiBase, type SocialChannel, SocialNetworkAdapter, type SocialSent } from './network-adapter.ts';
import { authBaseOf, refreshUnavailable, type TokenRefresher, TokenSession } from './token-session.ts';
import { articleOf, type ZaloArticle } from './zalo-article.ts';

interface PreparedZaloArticle {
  article: ZaloArticle;
  /** The OA token for this attempt (in memory only, never recorded), renewed if Zalo refuses it. */
  session: TokenSession;
}

/** Zalo codes for an access token that is invalid, expired or revoked: renewed when possible, else failed. */
const TOKEN_CODES = new Set([-216, -220, -124]);
/** Zalo's "application reached limit call api": wait and try again. */
const RATE_LIMIT_CODES = new Set([-32]);
/** What Zalo says when the article to remove is not there (any more). */
const GONE = /not (?:be )?exist|not found|không tồn tại|đã bị xóa/i;

/**
 * A Zalo Official Account through the OA article API v2.0 (the OA token in the `access_token` header,
 * never in a URL): create-then-verify per publish, update in place, remove for a takedown; HTTP 200
 * with `error` ≠ 0 for failures, the token renewed on -216/-220/-124. Protocol and codes: docs/social.md.
 */
export class ZaloAdapter extends SocialNetworkAdapter<PreparedZaloArticle, SocialSent> {
  readonly network = 'zalo';
  readonly #config: Pick<Config, 'publicBaseUrl' | 'assetLinkTtlSeconds'> | undefined;

  /** With `config`, the cover is the first picture through our signed asset URL (Zalo fetches it). */
  constructor(deps: {
    http: HttpClient;
    secrets: SecretStore;
    config?: Pick<Config, 'publicBaseUrl' | 'assetLinkTtlSeconds'>;
  }) {
    super(deps);
    this.#config = deps.config;
  }

  async prepare(ctx: SendContext<SocialChannel>): Promise<PreparedZaloArticle> {
    const session = await TokenSession.open(this.deps.secrets, ctx.channel, this.#refresh);
    const manifest = this.#config
      ? await withSignedAssetLinks(
          { secrets: this.deps.secrets, config: this.#config },
          ctx.agreement,
          ctx.manifest,
          ctx.now,
        )
      : ctx.manifest;
    return { article: articleOf(manifest), session };
  }

  async send(ctx: SendContext<SocialChannel>, prepared: PreparedZaloArticle): Promise<SocialSent> {
    const old = ctx.delivery.supersedes?.remoteId;
    const step = old ? 'update' : 'create';
    const answer = await this.#call(
      ctx,
      step,
      prepared.session,
      old ? { id: old, ...prepared.article } : prepared.article,
    );
    const token = (dataOf(answer.result) as { token?: unknown } | undefined)?.token;
    if (answer.tokenFailure || typeof token !== 'string' || token === '') return answer;
    const verified = await this.#call(ctx, 'verify', prepared.session, { token });
    if (verified.tokenFailure) return verified;
    const id = (dataOf(verified.result) as { id?: unknown } | undefined)?.id;
    const remoteId = typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
    return { ...verified, ...(remoteId && { remoteId }) };
  }

  async undo(ctx: SendContext<SocialChannel>): Promise<SocialSent> {
    const ids = this.takedownIds(
      ctx,
      'no Zalo article id to remove: the OA has no known article of this version',
    );
    const session = await TokenSession.open(this.deps.secrets, ctx.channel, this.#refresh);
    return this.removeEach(
      [...new Set(ids)],
      (id) => this.#call(ctx, `remove ${id}`, session, { id }),
      (sent) => !sent.tokenFailure && isRemoved(sent),
    );
  }

  classify(sent: SocialSent, ctx: SendContext<SocialChannel>): ChannelOutcome {
    const { result, step } = sent;
    const where = ` (${step})`;
    if (sent.tokenFailure) return { ...sent.tokenFailure, error: `${sent.tokenFailure.error ?? ''}${where}` };
    if (result.kind === 'network-error') return noAnswer(result, `${result.error}${where}`);
    const base = { httpStatus: result.status, durationMs: result.durationMs };
    const waitMs = retryAfterFromHeaders(result.headers, ctx.now);
    const wait = waitMs !== undefined ? { waitMs } : {};
    if (!isSuccess(result.status)) {
      const verdict = classifyHttpStatus(result.status);
      return {
        verdict: verdict === 'delivered' ? 'failed' : verdict,
        ...base,
        error: `HTTP ${result.status}${where}`,
        ...wait,
      };
    }
    const answer = zaloAnswerOf(result);
    if (!answer)
      return {
        verdict: 'failed',
        ...base,
        error: `Zalo answered HTTP ${result.status} without a result${where}`,
      };
    if (answer.error === 0) {
      if (step.startsWith('remove ')) return { verdict: 'delivered', ...base };
      if (step === 'verify' && sent.remoteId)
        return { verdict: 'delivered', ...base, remoteId: sent.remoteId };
      return {
        verdict: 'failed',
        ...base,
        error: `Zalo answered ${step} without ${step === 'verify' ? 'an article id' : 'a token'}`,
      };
    }
    if (step.startsWith('remove ') && GONE.test(answer.message)) return { verdict: 'delivered', ...base };
    if (TOKEN_CODES.has(answer.error)) {
      return {
        verdict: 'failed',
        ...base,
        error: `Zalo ${answer.error} access token invalid or expired${where}`,
      };
    }
    const error =
      `Zalo ${answer.error} ${clip(answer.message.replace(/\s+/g, ' ').trim(), 200)}`.trimEnd() + where;
    if (RATE_LIMIT_CODES.has(answer.error)) return { verdict: 'retry', ...base, error, ...wait };
    return { verdict: 'failed', ...base, error };
  }

  async #call(
    ctx: SendContext<SocialChannel>,
    step: string,
    session: TokenSession,
    body: object,
  ): Promise<SocialSent> {
    const path = step.startsWith('remove ') ? 'remove' : step;
    const result = await session.call(
      (accessToken) =>
        this.request(ctx, {
          method: 'POST',
          url: `${apiBase(ctx.channel)}/v2.0/article/${path}`,
          headers: { access_token: accessToken, 'content-type': 'application/json; charset=utf-8' },
          body: JSON.stringify(body),
        }),
      refusesToken,
      ctx,
    );
    return { step, result, ...(session.failure && { tokenFailure: session.failure }) };
  }

  /**
   * Zalo's OA token refresh: `POST {authBaseUrl, default https://oauth.zaloapp.com}/v4/oa/access_token`,
   * header `secret_key` (the app's secret key), form `refresh_token, app_id, grant_type=refresh_token`;
   * answers `{access_token, refresh_token, expires_in}` (the refresh token is single use: the new one
   * replaces it), or a refusal `{error: <negative>, error_name, error_reason?, error_description}`.
   */
  readonly #refresh: TokenRefresher = async (credentials, ctx) => {
    if (!credentials.clientSecret) {
      return { kind: 'impossible', reason: 'the credentials have no clientSecret (the app secret key)' };
    }
    const result = await this.request(ctx, {
      method: 'POST',
      url: `${authBaseOf(ctx.channel)}/v4/oa/access_token`,
      headers: { secret_key: credentials.clientSecret, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        refresh_token: credentials.refreshToken,
        app_id: credentials.clientId,
        grant_type: 'refresh_token',
      }).toString(),
    });
    const unavailable = refreshUnavailable('zalo', result, ctx.now);
    if (unavailable || result.kind !== 'response') {
      return { kind: 'unavailable', outcome: unavailable ?? { verdict: 'retry', durationMs: 0 } };
    }
    const answer = parseJson(result.body) as Record<string, unknown> | undefined;
    const ok = isSuccess(result.status);
    if (ok && typeof answer?.access_token === 'string' && answer.access_token !== '') {
      return {
        kind: 'renewed',
        accessToken: answer.access_token,
        ...(typeof answer.refresh_token === 'string' &&
          answer.refresh_token !== '' && { refreshToken: answer.refresh_token }),
      };
    }
    const code = typeof answer?.error === 'number' ? answer.error : undefined;
    if (code !== undefined && RATE_LIMIT_CODES.has(code)) {
      const waitMs = retryAfterFromHeaders(result.headers, ctx.now);
      return {
        kind: 'unavailable',
        outcome: {
          verdict: 'retry',
          error: `Zalo token refresh: ${code} call limit reached`,
          httpStatus: result.status,
          durationMs: result.durationMs,
          ...(waitMs !== undefined && { waitMs }),
        },
      };
    }
    const words = [answer?.error_description, answer?.error_reason, answer?.error_name, answer?.message].find(
      (w): w is string => typeof w === 'string' && w.trim() !== '',
    );
    const reason =
      code !== undefined
        ? `${code}${words ? ` ${words.replace(/\s+/g, ' ').trim()}` : ''}`
        : ok
          ? `Zalo answered HTTP ${result.status} without an access token`
          : `HTTP ${result.status}`;
    return { kind: 'refused', reason, httpStatus: result.status, durationMs: result.durationMs };
  };
}

/** Whether Zalo refused the OA token (invalid, expired, revoked): HTTP 200 with one of TOKEN_CODES. */
function refusesToken(result: HttpResult): boolean {
  const answer = zaloAnswerOf(result);
  return result.kind === 'response' && answer !== undefined && TOKEN_CODES.has(answer.error);
}

function zaloAnswerOf(result: HttpResult): { error: number; message: string; data?: unknown } | undefined {
  if (result.kind !== 'response') return undefined;
  const body = parseJson(result.body) as { error?: unknown; message?: unknown; data?: unknown } | undefined;
  if (!body || typeof body.error !== 'number') return undefined;
  return {
    error: body.error,
    message: typeof body.message === 'string' ? body.message : '',
    data: body.data,
  };
}

/** `data` of a successful answer, else undefined. */
function dataOf(result: HttpResult): unknown {
  if (result.kind !== 'response' || !isSuccess(result.status)) return undefined;
  const answer = zaloAnswerOf(result);
  return answer?.error === 0 ? answer.data : undefined;
}

/** Whether a remove step needs nothing more: removed, or the article was already gone. */
function isRemoved(sent: SocialSent): boolean {
  const { result } = sent;
  const answer = zaloAnswerOf(result);
  if (!answer || result.kind !== 'response' || !isSuccess(result.status)) return false;
  return answer.error === 0 || GONE.test(answer.message);
}
