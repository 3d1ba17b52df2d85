import { classifyHttpStatus, resetHeaderMs, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { X_RULES, xWeightedLength } from '#domain/social-post.ts';
import type { ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { HttpResult } from '#ports/http-client.ts';
import { clip, isSuccess, noAnswer, parseJson } from './answers.ts';
import { apiBase, type SocialChannel, SocialNetworkAdapter, type SocialSent } from './network-adapter.ts';
import { composeOrRefuse, postInputOf } from './post-text.ts';
import { authBaseOf, refreshUnavailable, type TokenRefresher, TokenSession } from './token-session.ts';

/** One `POST /2/tweets`, built: a new post, or a correction reply to the post an update supersedes. */
interface PreparedXPost {
  step: 'post' | 'reply';
  /** The JSON body: `{text}` or `{text, reply: {in_reply_to_tweet_id}}`. */
  body: string;
  /** The channel's token for this attempt (in memory only, never recorded), renewed if X refuses it. */
  session: TokenSession;
}

/**
 * What came back: the answer to the post or reply, or to the delete that decided a takedown (the
 * first that failed, else the last); no `result` when a takedown had no post to delete.
 */
interface XSent extends Omit<SocialSent, 'result'> {
  step: 'post' | 'reply' | 'delete';
  result?: HttpResult;
  /** Delete: the post the answer is about. */
  postId?: string;
}

/** Prefix of a correction reply, in the article's language. */
function correctionLabel(language: string): string {
  return /^vi(-|$)/i.test(language) ? 'Cập nhật: ' : 'Update: ';
}

/**
 * X (API v2, OAuth 2.0 user token): a post per publish, a correction reply per update, deletes (newest
 * first) for a takedown, the token renewed on a 401. Protocol and outcomes: docs/social.md.
 */
export class XAdapter extends SocialNetworkAdapter<PreparedXPost, XSent> {
  readonly network = 'x';

  async prepare(ctx: SendContext<SocialChannel>): Promise<PreparedXPost> {
    const session = await TokenSession.open(this.deps.secrets, ctx.channel, this.#refresh);
    const input = postInputOf(ctx.manifest);
    const replyTo = ctx.delivery.supersedes?.remoteId;
    const label = replyTo ? correctionLabel(input.language) : '';
    const text =
      label +
      composeOrRefuse('X post too long:', input, { ...X_RULES, measure: (t) => xWeightedLength(label + t) });
    const body = replyTo ? { text, reply: { in_reply_to_tweet_id: replyTo } } : { text };
    return { step: replyTo ? 'reply' : 'post', body: JSON.stringify(body), session };
  }

  async send(ctx: SendContext<SocialChannel>, prepared: PreparedXPost): Promise<XSent> {
    const { session } = prepared;
    const post = (body: string) =>
      session.call(
        (token) =>
          this.request(ctx, {
            method: 'POST',
            url: `${apiBase(ctx.channel)}/2/tweets`,
            headers: headersFor(token),
            body,
          }),
        unauthorized,
        ctx,
      );
    let step = prepared.step;
    let result = await post(prepared.body);
    if (session.failure) return { step, result, tokenFailure: session.failure };
    // The post being corrected was deleted on X (by the partner): the correction is posted on its own.
    if (step === 'reply' && result.kind === 'response' && result.status === 403) {
      if (/reply to a (tweet|post) that is deleted/i.test(problemOf(result.body) ?? '')) {
        const { text } = JSON.parse(prepared.body) as { text: string };
        step = 'post';
        result = await post(JSON.stringify({ text }));
        if (session.failure) return { step, result, tokenFailure: session.failure };
      }
    }
    const remoteId =
      result.kind === 'response' && isSuccess(result.status) ? postIdOf(result.body) : undefined;
    return { step, result, ...(remoteId && { remoteId }) };
  }

  async undo(ctx: SendContext<SocialChannel>): Promise<XSent> {
    const ids = this.takedownIds(
      ctx,
      'no X post id to delete: the account has no known post of this article',
    );
    ids.reverse(); // newest first: corrections before the post they answer
    const session = await TokenSession.open(this.deps.secrets, ctx.channel, this.#refresh);
    let last: XSent = { step: 'delete' };
    for (const id of ids) {
      const result = await session.call(
        (token) =>
          this.request(ctx, {
            method: 'DELETE',
            url: `${apiBase(ctx.channel)}/2/tweets/${encodeURIComponent(id)}`,
            headers: headersFor(token),
          }),
        unauthorized,
        ctx,
      );
      last = { step: 'delete', result, postId: id };
      if (session.failure) return { ...last, tokenFailure: session.failure };
      if (!deleted(result)) break;
    }
    return last;
  }

  classify(sent: XSent, ctx: SendContext<SocialChannel>): ChannelOutcome {
    const { result } = sent;
    const about = sent.step === 'delete' && sent.postId ? ` (delete ${sent.postId})` : '';
    if (sent.tokenFailure) return { ...sent.tokenFailure, error: `${sent.tokenFailure.error ?? ''}${about}` };
    if (!result) return { verdict: 'delivered', durationMs: 0 };
    if (result.kind === 'network-error') return noAnswer(result, `X ${result.error}${about}`);
    const { status, durationMs } = result;
    if (sent.step === 'delete' ? deleted(result) : isSuccess(status)) {
      return {
        verdict: 'delivered',
        httpStatus: status,
        durationMs,
        ...(sent.remoteId && { remoteId: sent.remoteId }),
        ...(sent.step !== 'delete' &&
          !sent.remoteId && { error: `X ${status} without a post id: it cannot be corrected or deleted` }),
      };
    }
    const verdict = classifyHttpStatus(status);
    const waitMs =
      status === 429
        ? rateLimitWaitMs(result.headers, ctx.now)
        : retryAfterFromHeaders(result.headers, ctx.now);
    const reason = status === 401 ? 'unauthorized: token invalid or expired' : problemOf(result.body);
    return {
      verdict,
      httpStatus: status,
      durationMs,
      error: clip(`X ${status}${reason ? ` ${reason}` : ''}`, 200) + about,
      ...(waitMs !== undefined && { waitMs }),
    };
  }

  /**
   * X's refresh: `POST /2/oauth2/token` (form) answers `{token_type, expires_in, access_token, scope,
   * refresh_token}`; a refused refresh is a 400/401 `{error, error_description}` (`invalid_request`
   * "Value passed for the token was invalid.", `unauthorized_client`).
   */
  readonly #refresh: TokenRefresher = async (credentials, ctx) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (credentials.clientSecret) {
      const pair = `${credentials.clientId}:${credentials.clientSecret}`;
      headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    }
    const result = await this.request(ctx, {
      method: 'POST',
      url: `${authBaseOf(ctx.channel)}/2/oauth2/token`,
      headers,
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.refreshToken,
        client_id: credentials.clientId,
      }).toString(),
    });
    const unavailable = refreshUnavailable('x', result, ctx.now);
    if (unavailable || result.kind !== 'response') {
      return { kind: 'unavailable', outcome: unavailable ?? { verdict: 'retry', durationMs: 0 } };
    }
    const answer = parseJson(result.body) as
      | { access_token?: unknown; refresh_token?: unknown; error?: unknown; error_description?: unknown }
      | undefined;
    if (isSuccess(result.status) && typeof answer?.access_token === 'string') {
      return {
        kind: 'renewed',
        accessToken: answer.access_token,
        ...(typeof answer.refresh_token === 'string' && { refreshToken: answer.refresh_token }),
      };
    }
    const error = typeof answer?.error === 'string' ? answer.error : `HTTP ${result.status}`;
    const description = typeof answer?.error_description === 'string' ? answer.error_description : '';
    return {
      kind: 'refused',
      reason: isSuccess(result.status)
        ? `X answered ${result.status} without an access token`
        : `${error}${description ? ` ${description.replace(/\s+/g, ' ').trim()}` : ''}`,
      httpStatus: result.status,
      durationMs: result.durationMs,
    };
  };
}

function headersFor(accessToken: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json; charset=utf-8' };
}

/** X's answer to a user token that is invalid, expired or revoked. */
const unauthorized = (result: HttpResult) => result.kind === 'response' && result.status === 401;

/** A delete is done when X says so, or when the post is not there (deleted before, by anyone). */
function deleted(result: HttpResult): boolean {
  return result.kind === 'response' && (isSuccess(result.status) || result.status === 404);
}

/** `data.id` of X's answer to a create: a numeric string. */
function postIdOf(body: string | undefined): string | undefined {
  const id = (parseJson(body) as { data?: { id?: unknown } } | undefined)?.data?.id;
  return typeof id === 'string' && /^\d{1,32}$/.test(id) ? id : undefined;
}

/**
 * The reason in X's error body: its problem `detail` (the useful part: "You are not allowed to create
 * a Tweet with duplicate content."), else its `title`; with the first `errors[].message` when that
 * says more (a 400's detail is only "One or more parameters to your request was invalid.").
 */
function problemOf(body: string | undefined): string | undefined {
  const problem = parseJson(body) as
    | { detail?: unknown; title?: unknown; errors?: { message?: unknown }[] }
    | undefined;
  if (!problem || typeof problem !== 'object') return undefined;
  const tidy = (value: unknown) =>
    typeof value === 'string' && value.trim() !== '' ? value.trim().replace(/\s+/g, ' ') : undefined;
  const reason = tidy(problem.detail) ?? tidy(problem.title);
  const first = tidy(Array.isArray(problem.errors) ? problem.errors[0]?.message : undefined);
  if (!reason) return first;
  return first && first !== reason ? `${reason}: ${first}` : reason;
}

/** When a 429 may be retried: Retry-After if X sent one, else the window's end `x-rate-limit-reset`. */
function rateLimitWaitMs(headers: Record<string, string>, now: Date): number | undefined {
  return retryAfterFromHeaders(headers, now) ?? resetHeaderMs(headers['x-rate-limit-reset'], now);
}
