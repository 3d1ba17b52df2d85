import { articleText, type FeedEntry, type FeedView, mediaOf } from './feed-view.ts';

export const JSON_FEED_CONTENT_TYPE = 'application/feed+json; charset=utf-8';
const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

/** Loa's JSON Feed extension (extensions start with `_`): the item's ninjs publication status. */
interface LoaExtension {
  pubStatus: 'usable' | 'canceled';
  articleId?: string;
  version?: string;
  withdrawnAt?: string;
}

function jsonItem(entry: FeedEntry) {
  if (entry.kind === 'tombstone') {
    const _loa: LoaExtension = { pubStatus: 'canceled', withdrawnAt: entry.withdrawnAt };
    return {
      id: entry.id,
      content_text: 'Withdrawn: take this item down.',
      date_published: entry.publishedAt,
      date_modified: entry.withdrawnAt,
      _loa,
    };
  }
  const { doc } = entry;
  const media = mediaOf(doc);
  const { title, summary: description, body, link } = articleText(doc);
  const image = media.find((m) => m.type === 'picture')?.href;
  const articleId = doc.altids.find((a) => a.role === 'loa:articleId')?.value;
  const _loa: LoaExtension = { pubStatus: 'usable', ...(articleId && { articleId }), version: doc.version };
  return {
    id: entry.id,
    ...(link && { url: link }),
    title,
    content_html: body,
    ...(description && { summary: description }),
    ...(image && { image }),
    date_published: entry.publishedAt,
    ...(doc.by && { authors: [{ name: doc.by }] }),
    ...(doc.subjects.length > 0 && { tags: doc.subjects.map((s) => s.name) }),
    language: doc.language,
    ...(media.length > 0 && {
      attachments: media.map((m) => ({
        url: m.href,
        mime_type: m.contentType,
        ...(m.title && { title: m.title }),
        ...(m.sizeBytes !== undefined && { size_in_bytes: m.sizeBytes }),
        ...(m.durationSeconds !== undefined && { duration_in_seconds: m.durationSeconds }),
      })),
    }),
    _loa,
  };
}

/** JSON Feed 1.1; a withdrawn item stays, under its id, as a tombstone with `_loa.pubStatus: canceled`. */
export function renderJsonFeed(view: FeedView): string {
  return JSON.stringify({
    version: JSON_FEED_VERSION,
    title: view.title,
    home_page_url: view.homeUrl,
    feed_url: view.selfUrl,
    ...(view.nextUrl && { next_url: view.nextUrl }),
    description: view.description,
    authors: [{ name: 'Loa' }],
    items: view.entries.map(jsonItem),
  });
}
