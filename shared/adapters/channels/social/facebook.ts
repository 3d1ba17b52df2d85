import { classifyHttpStatus, retryAfterFromHeaders } from '#domain/retry-policy.ts';
import { codePointLength, type PostRules } from '#domain/social-post.ts';
import { type ChannelOutcome, ChannelRefusal, type SendContext } from '#ports/channel-adapter.ts';
import type { HttpResult } from '#ports/http-client.ts';
import { clip, isSuccess, noAnswer, parseJson } from './answers.ts';
import { apiBase, type SocialChannel, SocialNetworkAdapter, type SocialSent } from './network-adapter.ts';
import { composeOrRefuse, postInputOf } from './post-text.ts';
import { redacted } from './redaction.ts';
import { socialCredentials } from './token-session.ts';

/**
 * Facebook allows 63,206 characters; a page post that long is not read. 5,000 code points keeps
 * any title and summary whole, and five hashtags are as many as a page post carries usefully.
 */
const FACEBOOK_RULES: PostRules = { maxLength: 5_000, measure: codePointLength, maxHashtags: 5 };

/** A page post, built: the text, the web version it links to, and the page token that posts it. */
interface PreparedFacebookPost {
  message: string;
  link?: string;
  accessToken: string;
}

/** Graph's error codes that mean "throttled, wait": app, user, page, custom limits, app-level 341. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 341, 613]);
/** Business Use Case limits (page tokens are counted there): 80000-80099. */
const isBusinessUseCaseLimit = (code: number) => code >= 80_000 && code < 80_100;

interface GraphError {
  code?: number;
  subcode?: number;
  message: string;
  transient: boolean;
}

/**
 * A Facebook page through the Graph API (`channel.accountId`: the page id; a page token sent as a
 * Bearer header, never in a URL): a post per publish, delete-and-repost per update, deletes for a
 * takedown. Protocol, why not edit in place, and Graph's error codes: docs/social.md.
 */
export class FacebookAdapter extends SocialNetworkAdapter<PreparedFacebookPost, SocialSent> {
  readonly network = 'facebook';

  async prepare(ctx: SendContext<SocialChannel>): Promise<PreparedFacebookPost> {
    pageIdOf(ctx.channel);
    const { accessToken } = await socialCredentials(this.deps.secrets, ctx.channel);
    const { link, ...input } = postInputOf(ctx.manifest);
    const message = composeOrRefuse('Facebook', input, FACEBOOK_RULES);
    return { message, ...(link && { link }), accessToken };
  }

  async send(ctx: SendContext<SocialChannel>, prepared: PreparedFacebookPost): Promise<SocialSent> {
    const old = ctx.delivery.supersedes?.remoteId;
    if (old) {
      const deleted = await this.#delete(ctx, old, prepared.accessToken);
      if (!isDone(deleted)) return deleted;
    }
    const form = new URLSearchParams({
      message: prepared.message,
      ...(prepared.link && { link: prepared.link }),
    });
    const result = await this.request(ctx, {
      method: 'POST',
      url: `${apiBase(ctx.channel)}/${encodeURIComponent(pageIdOf(ctx.channel))}/feed`,
      headers: {
        ...bearer(prepared.accessToken),
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body: form.toString(),
    });
    const safe = redacted(result, prepared.accessToken);
    const id = postIdOf(safe);
    return { step: 'post', result: safe, ...(id && { remoteId: id }) };
  }

  async undo(ctx: SendContext<SocialChannel>): Promise<SocialSent> {
    const ids = this.takedownIds(
      ctx,
      'no Facebook post id to delete: the page has no known post of this article',
    );
    const { accessToken } = await socialCredentials(this.deps.secrets, ctx.channel);
    return this.removeEach([...new Set(ids)], (id) => this.#delete(ctx, id, accessToken), isDone);
  }

  classify(sent: SocialSent, ctx: SendContext<SocialChannel>): ChannelOutcome {
    const { result, step } = sent;
    const where = step === 'post' ? '' : ` (${step})`;
    if (result.kind === 'network-error') return noAnswer(result, `${result.error}${where}`);
    const base = { httpStatus: result.status, durationMs: result.durationMs };
    const graph = graphErrorOf(result);
    if (step !== 'post' && (result.status === 404 || isGone(graph))) return { verdict: 'delivered', ...base };
    if (isSuccess(result.status) && !graph) {
      if (step === 'post') {
        if (sent.remoteId) return { verdict: 'delivered', ...base, remoteId: sent.remoteId };
        return {
          verdict: 'failed',
          ...base,
          error: `Facebook answered HTTP ${result.status} without a post id`,
        };
      }
      const success = (parseJson(result.body) as { success?: unknown } | undefined)?.success;
      if (success === false) return { verdict: 'failed', ...base, error: `Facebook did not delete${where}` };
      return { verdict: 'delivered', ...base };
    }
    if (!graph) {
      const verdict = classifyHttpStatus(result.status);
      const waitMs = waitOf(result, ctx.now);
      return {
        verdict: verdict === 'delivered' ? 'failed' : verdict,
        ...base,
        error: `HTTP ${result.status}${where}`,
        ...(waitMs !== undefined && { waitMs }),
      };
    }
    const error = `${describe(graph)}${where}`;
    const code = graph.code ?? 0;
    if (RATE_LIMIT_CODES.has(code) || isBusinessUseCaseLimit(code)) {
      const waitMs = waitOf(result, ctx.now);
      return { verdict: 'retry', ...base, error, ...(waitMs !== undefined && { waitMs }) };
    }
    if (code === 190 || code === 102 || code === 506) return { verdict: 'failed', ...base, error };
    if (graph.transient || code === 1 || code === 2 || code === 368 || result.status >= 500) {
      const waitMs = retryAfterFromHeaders(result.headers, ctx.now);
      return { verdict: 'retry', ...base, error, ...(waitMs !== undefined && { waitMs }) };
    }
    return { verdict: 'failed', ...base, error };
  }

  async #delete(ctx: SendContext<SocialChannel>, postId: string, accessToken: string): Promise<SocialSent> {
    const result = await this.request(ctx, {
      method: 'DELETE',
      url: `${apiBase(ctx.channel)}/${encodeURIComponent(postId)}`,
      headers: bearer(accessToken),
    });
    return { step: `delete ${postId}`, result: redacted(result, accessToken) };
  }
}

function pageIdOf(channel: SocialChannel): string {
  if (!channel.accountId) {
    throw new ChannelRefusal('Facebook channel has no accountId: the page id to post to is required');
  }
  return channel.accountId;
}

function bearer(accessToken: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}` };
}

function postIdOf(result: HttpResult): string | undefined {
  if (result.kind !== 'response' || !isSuccess(result.status)) return undefined;
  const id = (parseJson(result.body) as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** A delete that needs nothing more: done, or the post was already gone. */
function isDone(sent: SocialSent): boolean {
  const { result } = sent;
  if (result.kind !== 'response') return false;
  const graph = graphErrorOf(result);
  if (result.status === 404 || isGone(graph)) return true;
  if (!isSuccess(result.status) || graph) return false;
  return (parseJson(result.body) as { success?: unknown } | undefined)?.success !== false;
}

/** Graph's "Object with ID … does not exist" (100/33), which a delete of a deleted post gets. */
function isGone(graph: GraphError | undefined): boolean {
  return graph?.code === 100 && graph.subcode === 33;
}

function graphErrorOf(result: Extract<HttpResult, { kind: 'response' }>): GraphError | undefined {
  const error = (parseJson(result.body) as { error?: unknown } | undefined)?.error;
  if (!error || typeof error !== 'object') return undefined;
  const e = error as Record<string, unknown>;
  return {
    ...(typeof e.code === 'number' && { code: e.code }),
    ...(typeof e.error_subcode === 'number' && { subcode: e.error_subcode }),
    message: typeof e.message === 'string' ? e.message : '',
    transient: e.is_transient === true,
  };
}

/** `Facebook <code> <message>`; a fixed text for 190, whose message may quote the token's owner and dates. */
function describe(graph: GraphError): string {
  if (graph.code === 190) return 'Facebook 190 access token invalid or expired';
  const message = clip(graph.message.replace(/\s+/g, ' ').trim(), 200);
  return `Facebook ${graph.code ?? 'error'} ${message}`.trimEnd();
}

/**
 * Graph's own wait: the longest `estimated_time_to_regain_access` (minutes) in the Business Use Case
 * or app usage headers, else Retry-After and the common reset headers.
 */
function waitOf(result: Extract<HttpResult, { kind: 'response' }>, now: Date): number | undefined {
  let minutes = 0;
  for (const name of ['x-business-use-case-usage', 'x-app-usage', 'x-page-usage']) {
    const usage = parseJson(result.headers[name]);
    for (const entry of usageEntries(usage)) {
      const regain = entry.estimated_time_to_regain_access;
      if (typeof regain === 'number' && regain > minutes) minutes = regain;
    }
  }
  if (minutes > 0) return minutes * 60_000;
  return retryAfterFromHeaders(result.headers, now);
}

/** The usage objects of a header: `x-app-usage` is one; `x-business-use-case-usage` maps ids to lists. */
function usageEntries(usage: unknown): Record<string, unknown>[] {
  if (!usage || typeof usage !== 'object') return [];
  const values = Object.values(usage as Record<string, unknown>);
  if (!values.some(Array.isArray)) return [usage as Record<string, unknown>];
  return values.flatMap((v) => (Array.isArray(v) ? v.filter((e) => e && typeof e === 'object') : []));
}
