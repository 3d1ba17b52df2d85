import {
  bodyHtml,
  canonicalUrl,
  type FeedItem,
  type FeedMedia,
  type FeedView,
  headline,
  isItem,
  mediaOf,
  summary,
} from './feed-view.ts';
import { el, xmlDocument } from './xml.ts';

export const RSS_CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

const NS = {
  'xmlns:atom': 'http://www.w3.org/2005/Atom',
  'xmlns:content': 'http://purl.org/rss/1.0/modules/content/',
  'xmlns:dc': 'http://purl.org/dc/elements/1.1/',
  'xmlns:media': 'http://search.yahoo.com/mrss/',
};

/** RFC 822 date, as RSS 2.0 wants it. */
const rfc822 = (iso: string) => new Date(iso).toUTCString();

/** Media RSS `medium` for a ninjs item type. */
const MEDIUM = { picture: 'image', video: 'video', audio: 'audio', component: 'document', text: 'document' };

function mediaContent(m: FeedMedia) {
  return el(
    'media:content',
    {
      url: m.href,
      type: m.contentType,
      medium: MEDIUM[m.type],
      fileSize: m.sizeBytes,
      width: m.width,
      height: m.height,
      // Media RSS durations are whole seconds.
      duration: m.durationSeconds === undefined ? undefined : Math.round(m.durationSeconds),
    },
    m.title && el('media:title', { type: 'plain' }, m.title),
    m.description && el('media:description', { type: 'plain' }, m.description),
    m.credit && el('media:credit', null, m.credit),
  );
}

function rssItem(item: FeedItem) {
  const { doc } = item;
  const media = mediaOf(doc);
  const first = media[0];
  const picture = media.find((m) => m.type === 'picture');
  const link = canonicalUrl(doc);
  return el(
    'item',
    null,
    el('title', null, headline(doc)),
    link && el('link', null, link),
    el('description', null, summary(doc) ?? ''),
    el('content:encoded', null, bodyHtml(doc)),
    doc.by && el('dc:creator', null, doc.by),
    doc.language && el('dc:language', null, doc.language),
    doc.subjects.map((s) => el('category', null, s.name)),
    el('guid', { isPermaLink: 'false' }, item.id),
    el('pubDate', null, rfc822(item.publishedAt)),
    // RSS 2.0 allows one enclosure; every asset is in media:content.
    first && el('enclosure', { url: first.href, length: first.sizeBytes ?? 0, type: first.contentType }),
    media.map(mediaContent),
    picture && el('media:thumbnail', { url: picture.href, width: picture.width, height: picture.height }),
  );
}

/** RSS 2.0 with Media RSS; withdrawn items are simply absent (RSS has no way to say so). */
export function renderRss(view: FeedView): string {
  return xmlDocument(
    el(
      'rss',
      { version: '2.0', ...NS },
      el(
        'channel',
        null,
        el('title', null, view.title),
        el('link', null, view.homeUrl),
        el('description', null, view.description),
        el('lastBuildDate', null, rfc822(view.updated)),
        el('generator', null, 'Loa'),
        el('atom:link', { href: view.selfUrl, rel: 'self', type: 'application/rss+xml' }),
        view.nextUrl && el('atom:link', { href: view.nextUrl, rel: 'next', type: 'application/rss+xml' }),
        view.entries.filter(isItem).map(rssItem),
      ),
    ),
  );
}
