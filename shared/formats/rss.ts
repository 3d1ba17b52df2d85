import { articleText, type FeedItem, type FeedMedia, type FeedView, isItem, mediaOf } from './feed-view.ts';
import type { NinjsDocument } from './ninjs.ts';
import { type Attrs, type Child, el, xmlDocument } from './xml.ts';

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

/** An asset as Media RSS describes it: a feed's, or a broadcast package's (which adds its hash). */
export type RssMedia = Omit<FeedMedia, 'type'> & {
  /** Media RSS `medium`: image, video, audio or document. */
  medium: string;
  /** Lowercase hex SHA-256, as `media:hash algo="sha-256"` (see formats/mrss.ts). */
  sha256?: string;
};

function mediaContent(m: RssMedia) {
  return el(
    'media:content',
    {
      url: m.href,
      type: m.contentType,
      medium: m.medium,
      fileSize: m.sizeBytes,
      width: m.width,
      height: m.height,
      // Media RSS durations are whole seconds.
      duration: m.durationSeconds === undefined ? undefined : Math.round(m.durationSeconds),
    },
    m.sha256 && el('media:hash', { algo: 'sha-256' }, m.sha256),
    m.title && el('media:title', { type: 'plain' }, m.title),
    m.description && el('media:description', { type: 'plain' }, m.description),
    m.credit && el('media:credit', null, m.credit),
  );
}

/**
 * One RSS 2.0 + Media RSS `<item>` of an article version, as the partner's feed and a broadcast
 * package both show it; `extra` goes at its end.
 */
export function articleItem(
  doc: NinjsDocument,
  item: { id: string; publishedAt: string; link?: string | undefined; media: RssMedia[] },
  ...extra: Child[]
) {
  const first = item.media[0];
  const text = articleText(doc);
  return el(
    'item',
    null,
    el('title', null, text.title),
    item.link && el('link', null, item.link),
    el('description', null, text.summary ?? ''),
    el('content:encoded', null, text.body),
    doc.by && el('dc:creator', null, doc.by),
    doc.language && el('dc:language', null, doc.language),
    doc.subjects.map((s) => el('category', null, s.name)),
    el('guid', { isPermaLink: 'false' }, item.id),
    el('pubDate', null, rfc822(item.publishedAt)),
    // RSS 2.0 allows one enclosure; every asset is in media:content.
    first && el('enclosure', { url: first.href, length: first.sizeBytes ?? 0, type: first.contentType }),
    item.media.map(mediaContent),
    ...extra,
  );
}

function rssItem(item: FeedItem) {
  const { doc } = item;
  const media = mediaOf(doc);
  const picture = media.find((m) => m.type === 'picture');
  return articleItem(
    doc,
    {
      id: item.id,
      publishedAt: item.publishedAt,
      link: articleText(doc).link,
      media: media.map((m) => ({ ...m, medium: MEDIUM[m.type] })),
    },
    picture && el('media:thumbnail', { url: picture.href, width: picture.width, height: picture.height }),
  );
}

/** RSS 2.0 with Media RSS; withdrawn items are simply absent (RSS has no way to say so). */
export function renderRss(view: FeedView): string {
  return rssDocument(
    NS,
    { title: view.title, link: view.homeUrl, description: view.description },
    el('lastBuildDate', null, rfc822(view.updated)),
    el('generator', null, 'Loa'),
    el('atom:link', { href: view.selfUrl, rel: 'self', type: 'application/rss+xml' }),
    view.nextUrl && el('atom:link', { href: view.nextUrl, rel: 'next', type: 'application/rss+xml' }),
    view.entries.filter(isItem).map(rssItem),
  );
}

/** An RSS 2.0 document: `namespaces`, then the channel's title, link and description, then `rest`. */
export function rssDocument(
  namespaces: Attrs,
  channel: { title: string; link: string; description: string },
  ...rest: (Child | Child[])[]
): string {
  return xmlDocument(
    el(
      'rss',
      { version: '2.0', ...namespaces },
      el(
        'channel',
        null,
        el('title', null, channel.title),
        el('link', null, channel.link),
        el('description', null, channel.description),
        ...rest,
      ),
    ),
  );
}
