import { createHash } from 'node:crypto';
import {
  ENTRY_KIND,
  encodeFeedCursor,
  entryKind,
  type FeedFormat,
  positionTime,
  visibleUpTo,
} from '#domain/feed.ts';
import { ATOM_CONTENT_TYPE, renderAtom } from '#formats/atom.ts';
import { entryId, type FeedEntry, type FeedView } from '#formats/feed-view.ts';
import { JSON_FEED_CONTENT_TYPE, renderJsonFeed } from '#formats/json-feed.ts';
import { NINJS_LIST_CONTENT_TYPE, renderNinjsList } from '#formats/ninjs-list.ts';
import { RSS_CONTENT_TYPE, renderRss } from '#formats/rss.ts';
import type { FeedRow } from '#ports/feed-index.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Deps } from './deps.ts';
import type { FeedCache, RenderedFeed } from './feed-cache.ts';
import { assetLinkWindow, feedItemDoc } from './feed-items.ts';

type PageDeps = Pick<
  Deps,
  'deliveries' | 'feedIndex' | 'packages' | 'secrets' | 'clock' | 'config' | 'logger'
>;

const RENDER: Record<FeedFormat, { contentType: string; render: (view: FeedView) => string }> = {
  rss: { contentType: RSS_CONTENT_TYPE, render: renderRss },
  atom: { contentType: ATOM_CONTENT_TYPE, render: renderAtom },
  json: { contentType: JSON_FEED_CONTENT_TYPE, render: renderJsonFeed },
  ninjs: { contentType: NINJS_LIST_CONTENT_TYPE, render: renderNinjsList },
};

/** One page of one agreement's feed, as asked for by a URL that passed every check. */
interface Page {
  agreement: Agreement;
  format: FeedFormat;
  since: string | undefined;
  limit: number;
  query: Record<string, string>;
  path: string;
  urlExpiresAt: number;
}

/** The URL of this page with another `since`: the signed parameters stay as they came. */
function pageUrl(deps: PageDeps, page: Page, since?: string): string {
  const { expires, kid, sig, limit } = page.query;
  const params = [`expires=${expires}`, `kid=${kid}`, `sig=${sig}`];
  if (since) params.push(`since=${since}`);
  if (limit) params.push(`limit=${limit}`);
  return `${deps.config.publicBaseUrl.replace(/\/$/, '')}${page.path}?${params.join('&')}`;
}

/** Reads one page of rows, turns them into entries, records first pulls and renders the format. */
export async function renderPage(deps: PageDeps, cache: FeedCache, page: Page): Promise<RenderedFeed> {
  const now = deps.clock.now();
  const { agreement } = page;
  const rows = await deps.feedIndex.list(agreement.agreementId, {
    ...(page.since && { after: page.since }),
    upTo: visibleUpTo(now),
    limit: page.limit,
  });
  // Newest first on the page; `next` continues after the newest row read, shown or not.
  const ordered = page.since ? [...rows].reverse() : rows;
  const newest = ordered[0];
  const entries = (await Promise.all(ordered.map((row) => toEntry(deps, cache, agreement, row, now)))).filter(
    (e): e is TimedEntry => e !== undefined,
  );
  await recordFirstPulls(deps, cache, entries, now);

  const updated =
    entries
      .map((e) => e.time)
      .sort()
      .at(-1) ?? agreement.createdAt;
  const view: FeedView = {
    id: `${deps.config.publicBaseUrl.replace(/\/$/, '')}/feeds/${agreement.agreementId}`,
    title: `Loa — ${agreement.partner.name}`,
    description: `Articles for ${agreement.partner.name} under agreement ${agreement.agreementId}`,
    homeUrl: deps.config.publicBaseUrl,
    selfUrl: pageUrl(deps, page, page.since && encodeFeedCursor(page.since)),
    ...(newest && { nextUrl: pageUrl(deps, page, encodeFeedCursor(newest.position)) }),
    updated,
    // Renderers pick the fields they write, so the bookkeeping fields here never reach a partner.
    entries,
  };
  const { contentType, render } = RENDER[page.format];
  const body = render(view);
  const bytes = Buffer.from(body, 'utf8');
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"`;
  // The body also changes when its asset links are re-signed, once a day.
  const linksFrom = assetLinkWindow(now, deps.config.assetLinkTtlSeconds).from;
  const lastModified = new Date(Math.max(Date.parse(updated), linksFrom.getTime()));
  return {
    contentType,
    body,
    bodyBase64: bytes.toString('base64'),
    etag,
    lastModified,
    lastModifiedHttp: lastModified.toUTCString(),
    ...(view.nextUrl && { nextUrl: view.nextUrl }),
    urlExpiresAt: page.urlExpiresAt,
    sig: Buffer.from(page.query.sig ?? '', 'utf8'),
  };
}

type TimedEntry = FeedEntry & { time: string; deliveryId: string; pulled: boolean };

async function toEntry(
  deps: PageDeps,
  cache: FeedCache,
  agreement: Agreement,
  row: FeedRow,
  now: Date,
): Promise<TimedEntry | undefined> {
  const d = row.delivery;
  const kind = entryKind({ position: row.position, feedAt: d.feedAt, withdrawnAt: d.withdrawnAt }, now);
  const publishedAt = d.feedAt ?? d.createdAt;
  const base = { id: entryId(d.articleId, d.version), publishedAt, deliveryId: d.deliveryId };
  // One entry per article, at its latest version: an older version replaced by a newer one is gone.
  if (kind === ENTRY_KIND.hidden || d.supersededBy !== undefined) return undefined;
  if (kind === ENTRY_KIND.tombstone) {
    const withdrawnAt = d.withdrawnAt ?? positionTime(row.position);
    return {
      ...base,
      kind,
      articleId: d.articleId,
      version: d.version,
      withdrawnAt,
      time: positionTime(row.position),
      pulled: true,
    };
  }
  const doc = await feedItemDoc(deps, cache, agreement, d.manifest.key, now);
  if (!doc) return undefined;
  return { ...base, kind, doc, time: publishedAt, pulled: Boolean(d.firstPulledAt) };
}

/** The first pull that returns an item records it, once: one conditional write, none after. */
async function recordFirstPulls(deps: PageDeps, cache: FeedCache, entries: TimedEntry[], now: Date) {
  const at = now.toISOString();
  const fresh = entries.filter((e) => e.kind === 'item' && !e.pulled && !cache.pulled.has(e.deliveryId));
  const results = await Promise.allSettled(
    fresh.map(async (e) => {
      await deps.deliveries.recordFirstPull(e.deliveryId, at);
      cache.markPulled(e.deliveryId);
    }),
  );
  const failed = results.filter((r) => r.status === 'rejected').length;
  // Best effort: a failed acknowledgement must not cost the partner its feed; the next poll retries.
  if (failed) deps.logger.warn('first pulls not recorded', { failed, of: fresh.length });
}
