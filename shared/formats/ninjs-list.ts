import { type FeedView, ninjsTombstone } from './feed-view.ts';

export const NINJS_LIST_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * A page of ninjs 2.1 documents. ninjs has no list of its own, so the page is a small envelope
 * (`title`, `updated`, `self`, `next`) around `items`, each a complete ninjs document; a withdrawn
 * item is a ninjs tombstone (`pubstatus: canceled`) with the uri and version it had.
 */
export function renderNinjsList(view: FeedView): string {
  return JSON.stringify({
    title: view.title,
    updated: view.updated,
    self: view.selfUrl,
    ...(view.nextUrl && { next: view.nextUrl }),
    items: view.entries.map((e) => (e.kind === 'item' ? e.doc : ninjsTombstone(e))),
  });
}
