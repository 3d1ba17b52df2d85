import { LOA_URI_BASE, NINJS_SCHEMA_URI, type NinjsDocument, type NinjsItemType } from './ninjs.ts';

/** A live item: its ninjs document, asset links already signed for the partner. */
export interface FeedItem {
  kind: 'item';
  /** Stable per article version: readers de-duplicate on it. */
  id: string;
  /** When it entered the feed (routing, or the end of its embargo). */
  publishedAt: string;
  doc: NinjsDocument;
}

/** A withdrawn item, kept where the format can say so, under the id the live item had. */
export interface FeedTombstone {
  kind: 'tombstone';
  id: string;
  articleId: string;
  version: number;
  publishedAt: string;
  withdrawnAt: string;
}

export type FeedEntry = FeedItem | FeedTombstone;

/** Everything a format needs to write one page of a partner's feed. */
export interface FeedView {
  /** Stable IRI of the feed (not its signed URL). */
  id: string;
  title: string;
  description: string;
  homeUrl: string;
  /** The URL this page was fetched with; `next` continues from its newest entry. */
  selfUrl: string;
  nextUrl?: string;
  /** Time of the newest entry. */
  updated: string;
  /** Newest first. */
  entries: FeedEntry[];
}

export const articleUri = (articleId: string) => `${LOA_URI_BASE}/articles/${encodeURIComponent(articleId)}`;

/** One id per article version, the same in every format. */
export const entryId = (articleId: string, version: number | string) =>
  `${articleUri(articleId)}/versions/${version}`;

export const isItem = (e: FeedEntry): e is FeedItem => e.kind === 'item';

const textOf = (texts: { role?: string; value: string }[] | undefined, role: string) =>
  (texts ?? []).find((t) => t.role === role)?.value ?? texts?.[0]?.value;

export const headline = (doc: NinjsDocument) => textOf(doc.headlines, 'main') ?? '';
export const summary = (doc: NinjsDocument) => textOf(doc.descriptions, 'summary');
export const bodyHtml = (doc: NinjsDocument) => textOf(doc.bodies, 'main') ?? '';
export const canonicalUrl = (doc: NinjsDocument) => doc.altids.find((a) => a.role === 'canonical')?.value;

/** One asset as the feed formats describe it. */
export interface FeedMedia {
  href: string;
  type: NinjsItemType;
  contentType: string;
  sizeBytes?: number;
  width?: number;
  height?: number;
  durationSeconds?: number;
  title?: string;
  description?: string;
  credit?: string;
}

/** The assets of an item with a link; an asset whose link could not be signed is left out. */
export function mediaOf(doc: NinjsDocument): FeedMedia[] {
  return (doc.associations ?? []).flatMap((a) => {
    const r = a.renditions[0];
    if (!r?.href) return [];
    return [
      {
        href: r.href,
        type: a.type,
        contentType: r.contenttype,
        ...(r.sizeinbytes !== undefined && { sizeBytes: r.sizeinbytes }),
        ...(r.width !== undefined && { width: r.width }),
        ...(r.height !== undefined && { height: r.height }),
        ...(r.duration !== undefined && { durationSeconds: r.duration }),
        ...(a.title && { title: a.title }),
        ...(textOf(a.descriptions, 'alt') && { description: textOf(a.descriptions, 'alt') }),
        ...(a.by && { credit: a.by }),
      },
    ];
  });
}

/** A ninjs 2.1 tombstone: the same uri and version, `pubstatus: canceled`, and no content. */
export function ninjsTombstone(t: FeedTombstone) {
  return {
    uri: articleUri(t.articleId),
    type: 'text',
    representationtype: 'partial',
    version: String(t.version),
    versioncreated: t.withdrawnAt,
    pubstatus: 'canceled',
    altids: [{ role: 'loa:articleId', value: t.articleId }],
    standard: { name: 'ninjs', version: '2.1', schema: NINJS_SCHEMA_URI },
  } as const;
}
