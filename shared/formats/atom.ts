import { articleText, type FeedItem, type FeedView, isItem, mediaOf } from './feed-view.ts';
import { el, xmlDocument } from './xml.ts';

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

function atomEntry(item: FeedItem) {
  const { doc } = item;
  const { title, summary: description, body, link } = articleText(doc);
  return el(
    'entry',
    doc.language ? { 'xml:lang': doc.language } : null,
    el('id', null, item.id),
    el('title', { type: 'text' }, title),
    el('updated', null, item.publishedAt),
    el('published', null, item.publishedAt),
    doc.by && el('author', null, el('name', null, doc.by)),
    description && el('summary', { type: 'text' }, description),
    // type="html": the body is HTML carried as escaped text, which every Atom reader accepts.
    el('content', { type: 'html' }, body),
    link && el('link', { rel: 'alternate', type: 'text/html', href: link }),
    mediaOf(doc).map((m) =>
      el('link', {
        rel: 'enclosure',
        href: m.href,
        type: m.contentType,
        length: m.sizeBytes,
        title: m.title,
      }),
    ),
    doc.subjects.map((s) => el('category', { term: s.name })),
  );
}

/** Atom 1.0 (RFC 4287); withdrawn items are absent. `next` is the RFC 5005 link to newer entries. */
export function renderAtom(view: FeedView): string {
  return xmlDocument(
    el(
      'feed',
      { xmlns: 'http://www.w3.org/2005/Atom' },
      el('id', null, view.id),
      el('title', { type: 'text' }, view.title),
      el('subtitle', { type: 'text' }, view.description),
      el('updated', null, view.updated),
      // Entries without a byline inherit this author, as RFC 4287 requires one per entry.
      el('author', null, el('name', null, 'Loa')),
      el('generator', null, 'Loa'),
      el('link', { rel: 'self', type: 'application/atom+xml', href: view.selfUrl }),
      el('link', { rel: 'alternate', type: 'text/html', href: view.homeUrl }),
      view.nextUrl && el('link', { rel: 'next', type: 'application/atom+xml', href: view.nextUrl }),
      view.entries.filter(isItem).map(atomEntry),
    ),
  );
}
