import * as z from 'zod';
import { decodeFeedCursor, FEED_PAGE_SIZE, type FeedFormat } from '#domain/feed.ts';
import type { Deps } from './deps.ts';
import { type FeedCache, pageKey, type RenderedFeed } from './feed-cache.ts';
import { feedKeyCacheKey, feedKeyOf } from './feed-keys.ts';
import { renderPage } from './feed-page.ts';
import { REFUSAL, rawQueryParams, SignedParams, verifySignedRequest } from './signed-request.ts';

type FeedDeps = Pick<
  Deps,
  'agreements' | 'deliveries' | 'feedIndex' | 'packages' | 'secrets' | 'clock' | 'config' | 'logger'
>;

interface FeedRequest {
  method: string;
  /** The path as requested (API Gateway's rawPath): it is what was signed. */
  path: string;
  rawQuery: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
}

type FeedAnswer =
  | { kind: 'refused'; reason: string }
  | { kind: 'bad-request'; reason: string }
  | { kind: 'not-modified'; feed: RenderedFeed }
  | { kind: 'ok'; feed: RenderedFeed };

const FEED_PATH = /^\/feeds\/([A-Za-z0-9][A-Za-z0-9._:-]{0,127})\.(rss|atom|json|ninjs)$/;

/** The query a feed URL may carry: the signed three, and the reader's own `since` and `limit`. */
const FeedQuery = SignedParams.extend({
  since: z.string().max(200).optional(),
  limit: z.string().max(3).optional(),
}).strict();

const Limit = z.coerce.number().int().min(1).max(FEED_PAGE_SIZE.max).default(FEED_PAGE_SIZE.default);

/** Weak comparison (RFC 9110 §13.1.2): does If-None-Match name this ETag, or `*`? */
function etagMatches(header: string, etag: string): boolean {
  if (header === etag) return true;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

function notModified(req: FeedRequest, feed: RenderedFeed): boolean {
  // If-None-Match wins when present; If-Modified-Since is compared in whole seconds, as HTTP dates are.
  if (req.ifNoneMatch !== undefined) return etagMatches(req.ifNoneMatch, feed.etag);
  const since = req.ifModifiedSince ? Date.parse(req.ifModifiedSince) : Number.NaN;
  return !Number.isNaN(since) && Math.floor(feed.lastModified.getTime() / 1000) * 1000 <= since;
}

/**
 * Serves one poll of a signed feed URL: checks the signature and the agreement, then answers from
 * a page rendered at most `ttl` ago (one Query of at most `limit` rows otherwise, whatever the
 * agreement's history), or 304 when the reader already has it.
 *
 * A repeat answered from the page cache is answered at once, not as a promise: nothing in it waits,
 * and the poll's handler then needs no second promise (the cached path is the hot one).
 */
export function serveFeed(
  deps: FeedDeps,
  cache: FeedCache,
  req: FeedRequest,
): FeedAnswer | Promise<FeedAnswer> {
  // A page rendered for this URL moments ago was rendered after the URL passed every check: a repeat
  // within the cache's life costs a lookup, the expiry and a constant-time compare of its signature.
  const recent = cache.recentPage(req, deps.clock.now().getTime());
  if (recent) return answer(req, recent);
  return checkAndServe(deps, cache, req);
}

/** The full check (signature, key, agreement), then the page from the cache or rendered. */
async function checkAndServe(deps: FeedDeps, cache: FeedCache, req: FeedRequest): Promise<FeedAnswer> {
  const match = FEED_PATH.exec(req.path);
  const raw = rawQueryParams(req.rawQuery);
  const query = match && raw ? FeedQuery.safeParse(raw) : undefined;
  if (!match || !query?.success) return { kind: 'refused', reason: REFUSAL.malformed };
  const agreementId = match[1] ?? '';
  const format = match[2] as FeedFormat;
  const now = deps.clock.now();
  const verified = await verifySignedRequest(
    {
      agreement: async (id, kid) => {
        const load = () => deps.agreements.get(id);
        // An unknown agreement is cached as unknown, like a known one: refusing either costs a lookup
        // in memory, so the time of a refusal does not tell which agreements exist.
        const cached = await cache.agreements.getOrLoad(id, load);
        if (!cached || cached.feedKeys.some((k) => k.kid === kid)) return cached;
        // A kid the cached copy does not know may have been added since: read once more before refusing,
        // at most once per cache life for that kid.
        const miss = `${id}\n${kid}`;
        if (cache.kidMisses.peek(miss)) return cached;
        const fresh = await cache.agreements.refresh(id, load);
        if (!fresh?.feedKeys.some((k) => k.kid === kid))
          await cache.kidMisses.getOrLoad(miss, async () => true);
        return fresh;
      },
      key: (id, kid, agreement) =>
        cache.keys.getOrLoad(feedKeyCacheKey(agreement, id, kid), () =>
          feedKeyOf(deps.secrets, agreement, id, kid),
        ),
    },
    { method: req.method, path: req.path, agreementId, params: query.data },
    now,
  );
  if (!verified.ok) {
    deps.logger.info('feed refused', { agreementId, kid: query.data.kid, detail: verified.detail });
    return { kind: 'refused', reason: verified.reason };
  }
  const agreement = verified.agreement;
  if (!agreement.channels.some((c) => c.type === 'feed')) return { kind: 'refused', reason: REFUSAL.noFeed };
  const since = query.data.since === undefined ? undefined : decodeFeedCursor(query.data.since);
  if (query.data.since !== undefined && !since) {
    return { kind: 'bad-request', reason: 'since is not a cursor this feed issued' };
  }
  const limit = Limit.safeParse(query.data.limit);
  if (!limit.success) return { kind: 'bad-request', reason: `limit must be 1 to ${FEED_PAGE_SIZE.max}` };

  const page = {
    agreement,
    format,
    since,
    limit: limit.data,
    query: raw ?? {},
    path: req.path,
    urlExpiresAt: query.data.expires * 1000,
  };
  // The query passed the schema, so it has one `sig` of the issued length: the key exists.
  const key = pageKey(req.method, req.path, req.rawQuery)?.key ?? `${req.method} ${req.path}?${req.rawQuery}`;
  return answer(req, await cache.pages.getOrLoad(key, () => renderPage(deps, cache, page)));
}

function answer(req: FeedRequest, feed: RenderedFeed): FeedAnswer {
  return notModified(req, feed) ? { kind: 'not-modified', feed } : { kind: 'ok', feed };
}
