import { withSignedAssetLinks } from '#app/webhook-payload.ts';
import type { Config } from '#config/config.ts';
import { classifyHttpStatus, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { codePointLength, composePost, PostTooLongError } from '#domain/social-post.ts';
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
  clip,
  parseJson,
  postInputOf,
  redacted,
  SocialNetworkAdapter,
  type SocialSent,
  socialCredentials,
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
  accessToken: string;
}

/** Zalo codes for an access token that is invalid, expired or revoked: only a new token helps. */
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
 * expired) fail; -32 (call limit reached) is retried, waiting for Retry-After when sent (Zalo sends
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
    const { accessToken } = await socialCredentials(this.deps.secrets, ctx.channel);
    const manifest = this.#config
      ? await withSignedAssetLinks(
          { secrets: this.deps.secrets, config: this.#config },
          ctx.agreement,
          ctx.manifest,
          ctx.now,
        )
      : ctx.manifest;
    return { article: articleOf(manifest), accessToken };
  }

  async send(ctx: SendContext<SocialChannel>, prepared: PreparedZaloArticle): Promise<SocialSent> {
    const old = ctx.delivery.supersedes?.remoteId;
    const step = old ? 'update' : 'create';
    const answer = await this.#call(
      ctx,
      step,
      prepared.accessToken,
      old ? { id: old, ...prepared.article } : prepared.article,
    );
    const token = (dataOf(answer.result) as { token?: unknown } | undefined)?.token;
    if (typeof token !== 'string' || token === '') return answer;
    const verified = await this.#call(ctx, 'verify', prepared.accessToken, { token });
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
    const { accessToken } = await socialCredentials(this.deps.secrets, ctx.channel);
    let last: SocialSent | undefined;
    for (const id of ids) {
      last = await this.#call(ctx, `remove ${id}`, accessToken, { id });
      if (!isRemoved(last)) return last;
    }
    return last as SocialSent;
  }

  classify(sent: SocialSent, ctx: SendContext<SocialChannel>): ChannelOutcome {
    const { result, step } = sent;
    const where = ` (${step})`;
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
    accessToken: string,
    body: object,
  ): Promise<SocialSent> {
    const path = step.startsWith('remove ') ? 'remove' : step;
    const result = await this.deps.http.request({
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
      readBody: true,
    });
    return { step, result: redacted(result, accessToken) };
  }
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
  try {
    return composePost(
      { title: text, topics: [], language },
      { maxLength: max, measure: codePointLength, maxHashtags: 0 },
    );
  } catch (error) {
    if (error instanceof PostTooLongError) throw new ChannelRefusal(`Zalo article ${error.message}`);
    throw error;
  }
}

/** The first picture's public URL, when the manifest has one Zalo could fetch. */
function coverOf(manifest: NinjsDocument): string | undefined {
  for (const assoc of manifest.associations ?? []) {
    if (assoc.type !== 'picture') continue;
    const href = assoc.renditions.find((r) => /^https?:\/\//.test(r.href))?.href;
    if (href) return href;
  }
  return undefined;
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
