import {
  LOA_URI_BASE,
  NINJS_SCHEMA_URI,
  type NinjsAssociation,
  type NinjsDocument,
  type NinjsItemType,
} from './ninjs.ts';

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

/** The texts every format shows of an article: its headline, summary, HTML body and web version. */
interface ArticleText {
  title: string;
  summary: string | undefined;
  body: string;
  link: string | undefined;
}

export function articleText(doc: NinjsDocument): ArticleText {
  return { title: headline(doc), summary: summary(doc), body: bodyHtml(doc), link: canonicalUrl(doc) };
}

/** What an asset is besides its bytes: dimensions, duration and the texts shown with it. */
export interface MediaDetails {
  width?: number;
  height?: number;
  durationSeconds?: number;
  title?: string;
  description?: string;
  credit?: string;
}

/** Only the details that are set: numbers when given, texts when not empty. */
export function pickDetails(m: MediaDetails): MediaDetails {
  return {
    ...(m.width !== undefined && { width: m.width }),
    ...(m.height !== undefined && { height: m.height }),
    ...(m.durationSeconds !== undefined && { durationSeconds: m.durationSeconds }),
    ...(m.title && { title: m.title }),
    ...(m.description && { description: m.description }),
    ...(m.credit && { credit: m.credit }),
  };
}

/** An association's details (its first rendition's size on screen and duration, its title and credit) and `description`. */
export function mediaDetailsOf(a: NinjsAssociation, description: string | undefined): MediaDetails {
  const r = a.renditions[0];
  return pickDetails({
    width: r?.width,
    height: r?.height,
    durationSeconds: r?.duration,
    title: a.title,
    description,
    credit: a.by,
  });
}

/** One asset as the feed formats describe it. */
export interface FeedMedia extends MediaDetails {
  href: string;
  type: NinjsItemType;
  contentType: string;
  sizeBytes?: number;
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
        ...mediaDetailsOf(a, textOf(a.descriptions, 'alt')),
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
