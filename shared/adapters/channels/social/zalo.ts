import { withSignedAssetLinks } from '#app/webhook-payload.ts';
import type { Config } from '#config/config.ts';
import { classifyHttpStatus, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { codePointLength } from '#domain/social-post.ts';
import { mediaOf } from '#formats/feed-view.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import {
  type ChannelOf,
  type ChannelOutcome,
  ChannelRefusal,
  type SendContext,
} from '#ports/channel-adapter.ts';
import type { HttpClient, HttpResult } from '#ports/http-client.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import {
  authBaseOf,
  clip,
  composeOrRefuse,
  parseJson,
  postInputOf,
  type RefreshAnswer,
  refreshUnavailable,
  SocialNetworkAdapter,
  type SocialSent,
  type TokenRefresher,
  TokenSession,
} from './common.ts';

type SocialChannel = ChannelOf<'social'>;

/** Zalo's article text limits, in characters (code points). */
export const ZALO_ARTICLE_LIMITS = { title: 150, description: 300, author: 50 } as const;

/** An OA article (`type: normal`) as the create and update calls take it. */
export interface ZaloArticle {
  type: 'normal';
  title: string;
  author?: string;
  description: string;
  cover?: { cover_type: 'photo'; photo_url: string; status: 'show' };
  body: { type: 'text'; content: string }[];
  status: 'show';
  comment: 'show';
}

export interface PreparedZaloArticle {
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
 * A Zalo Official Account, through the OA article API v2.0 (`channel.baseUrl`, default
 * `https://openapi.zalo.me`; the token is the OA access token, sent in the `access_token` header as
 * Zalo requires, never in a URL):
 * - publish: `POST /v2.0/article/create` with `{type: 'normal', title, author?, description, cover?,
 *   body: [{type: 'text', content}], status: 'show', comment: 'show'}` answers `{error: 0, data:
 *   {token}}`; Zalo builds the article asynchronously, and `POST /v2.0/article/verify {token}`
 *   answers `{error: 0, data: {id}}`, the article id (remote id).
 * - update: `POST /v2.0/article/update` with `id` (the superseded version's article id) and the same
 *   fields, then verify its token: the article is edited in place, so followers' links keep working
 *   and its id stays the same. Without a known old id, the update is published as a new article.
 * - undo: `POST /v2.0/article/remove {id}` for every id in `delivery.takedown.remoteIds`; an answer
 *   that the article does not exist counts as removed.
 * Text: the title is shortened to 150 characters and the description (the summary, else the title)
 * to 300, at a word boundary with `…`; the author (the byline) is cut to 50. The body is the summary
 * and the link to the publisher's web version as plain text paragraphs, not the article's HTML: the
 * text paragraph is documented as text only, and the OA article is a teaser that sends readers to the
 * full version. The cover is the first picture, through the agreement's signed asset URL (valid for
 * the asset-link TTL, long enough for Zalo to fetch and keep it); without a picture, or a signing key,
 * it is omitted.
 *
 * Zalo answers HTTP 200 with `error` ≠ 0 for failures: -216 (and -220, -124: token invalid or
 * expired) renew the token when the credentials hold a refresh token, app id (`clientId`) and secret
 * key (`clientSecret`), and repeat the call once (TokenSession, common.ts; OA tokens last about 25
 * hours), else fail; -32 (call limit reached) is retried, waiting for Retry-After when sent (Zalo sends
 * no rate-limit header); any other code fails as `Zalo <code> <message>`; HTTP 5xx and no answer are
 * retried. Zalo gives no idempotency key: a create whose answer (or whose verify) is lost is created
 * again on the retry.
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
    const ids = [...new Set(ctx.delivery.takedown?.remoteIds ?? [])];
    if (ids.length === 0) {
      throw new ChannelRefusal(
        'no Zalo article id to remove: the OA has no known article of this version',
        true,
      );
    }
    const session = await TokenSession.open(this.deps.secrets, ctx.channel, this.#refresh);
    let last: SocialSent | undefined;
    for (const id of ids) {
      last = await this.#call(ctx, `remove ${id}`, session, { id });
      if (last.tokenFailure || !isRemoved(last)) return last;
    }
    return last as SocialSent;
  }

  classify(sent: SocialSent, ctx: SendContext<SocialChannel>): ChannelOutcome {
    const { result, step } = sent;
    const where = ` (${step})`;
    if (sent.tokenFailure) return { ...sent.tokenFailure, error: `${sent.tokenFailure.error ?? ''}${where}` };
    if (result.kind === 'network-error') {
      return {
        verdict: 'retry',
        error: `${result.error}${where}`,
        durationMs: result.durationMs,
        noAnswer: true,
      };
    }
    const base = { httpStatus: result.status, durationMs: result.durationMs };
    const waitMs = retryAfterFromHeaders(result.headers, ctx.now);
    const wait = waitMs !== undefined ? { waitMs } : {};
    if (result.status < 200 || result.status >= 300) {
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
        this.deps.http.request({
          method: 'POST',
          url: `${ctx.channel.baseUrl.replace(/\/+$/, '')}/v2.0/article/${path}`,
          headers: {
            access_token: accessToken,
            'content-type': 'application/json; charset=utf-8',
            accept: 'application/json',
            'user-agent': 'Loa/0.1 (+social)',
          },
          body: JSON.stringify(body),
          timeoutMs: ctx.timeoutMs,
          ...(ctx.signal && { signal: ctx.signal }),
          readBody: true,
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
  readonly #refresh: TokenRefresher = async (credentials, ctx): Promise<RefreshAnswer> => {
    if (!credentials.clientSecret) {
      return { kind: 'impossible', reason: 'the credentials have no clientSecret (the app secret key)' };
    }
    const result = await this.deps.http.request({
      method: 'POST',
      url: `${authBaseOf(ctx.channel)}/v4/oa/access_token`,
      headers: {
        secret_key: credentials.clientSecret,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        'user-agent': 'Loa/0.1 (+social)',
      },
      body: new URLSearchParams({
        refresh_token: credentials.refreshToken,
        app_id: credentials.clientId,
        grant_type: 'refresh_token',
      }).toString(),
      timeoutMs: ctx.timeoutMs,
      ...(ctx.signal && { signal: ctx.signal }),
      readBody: true,
    });
    const unavailable = refreshUnavailable('zalo', result, ctx.now);
    if (unavailable || result.kind !== 'response') {
      return { kind: 'unavailable', outcome: unavailable ?? { verdict: 'retry', durationMs: 0 } };
    }
    const answer = parseJson(result.body) as Record<string, unknown> | undefined;
    const ok = result.status >= 200 && result.status < 300;
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

/** The article for a version: shortened texts, teaser body, cover when a public image exists. */
export function articleOf(manifest: NinjsDocument): ZaloArticle {
  const input = postInputOf(manifest);
  const title = within(input.title, ZALO_ARTICLE_LIMITS.title, manifest.language);
  const description = within(
    input.summary || input.title,
    ZALO_ARTICLE_LIMITS.description,
    manifest.language,
  );
  const author = manifest.by?.trim()
    ? [...manifest.by.trim()].slice(0, ZALO_ARTICLE_LIMITS.author).join('')
    : '';
  const paragraphs = [input.summary, input.link].filter((p): p is string => Boolean(p?.trim()));
  const cover = coverOf(manifest);
  return {
    type: 'normal',
    title,
    ...(author && { author }),
    description,
    ...(cover && { cover: { cover_type: 'photo', photo_url: cover, status: 'show' } }),
    body: (paragraphs.length > 0 ? paragraphs : [input.title]).map((content) => ({ type: 'text', content })),
    status: 'show',
    comment: 'show',
  };
}

/** `text` within `max` code points, shortened at a word boundary with `…` (composePost's rules). */
function within(text: string, max: number, language: string): string {
  return composeOrRefuse(
    'Zalo article',
    { title: text, topics: [], language },
    { maxLength: max, measure: codePointLength, maxHashtags: 0 },
  );
}

/** The first picture's public URL, when the manifest has one Zalo could fetch. */
function coverOf(manifest: NinjsDocument): string | undefined {
  return mediaOf(manifest).find((m) => m.type === 'picture' && /^https?:\/\//.test(m.href))?.href;
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
  if (result.kind !== 'response' || result.status < 200 || result.status >= 300) return undefined;
  const answer = zaloAnswerOf(result);
  return answer?.error === 0 ? answer.data : undefined;
}

/** Whether a remove step needs nothing more: removed, or the article was already gone. */
function isRemoved(sent: SocialSent): boolean {
  const { result } = sent;
  const answer = zaloAnswerOf(result);
  if (!answer || result.kind !== 'response' || result.status < 200 || result.status >= 300) return false;
  return answer.error === 0 || GONE.test(answer.message);
}
