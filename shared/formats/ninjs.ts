import { textSha256 } from '#domain/package-identity.ts';
import type { Article, Asset } from '#schemas/article.ts';

/** Base of the URIs that name Loa's own concepts (articles, assets, topics) in ninjs. */
export const LOA_URI_BASE = 'http://loa.example';
export const NINJS_SCHEMA_URI = 'http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json';

/** An article's asset once copied into the packages bucket, with its SHA-256 (hex) when known. */
export type PackagedAsset = Asset & { key: string; sizeBytes: number; sha256?: string };

export type NinjsItemType = 'text' | 'picture' | 'video' | 'audio' | 'component';

interface NinjsText {
  role?: string;
  contenttype?: string;
  value: string;
}

interface NinjsRendition {
  name: string;
  href: string;
  contenttype: string;
  width?: number;
  height?: number;
  sizeinbytes?: number;
  duration?: number;
}

interface NinjsAltId {
  role: string;
  value: string;
}

/** One asset; ninjs 2.x associations are an array, each named (here by its assetId). */
export interface NinjsAssociation {
  name: string;
  uri: string;
  type: NinjsItemType;
  version: string;
  title?: string;
  by?: string;
  descriptions?: NinjsText[];
  renditions: NinjsRendition[];
  altids: NinjsAltId[];
}

/** The subset of ninjs 2.1 that Loa emits. */
export interface NinjsDocument {
  uri: string;
  type: 'text';
  representationtype: 'full';
  version: string;
  versioncreated: string;
  language: string;
  pubstatus: 'usable';
  headlines: NinjsText[];
  descriptions?: NinjsText[];
  bodies: NinjsText[];
  subjects: { uri: string; name: string }[];
  by?: string;
  embargoed?: string;
  altids: NinjsAltId[];
  associations?: NinjsAssociation[];
  standard: { name: 'ninjs'; version: '2.1'; schema: string };
}

interface NinjsOptions {
  /** Where a partner (or Loa) fetches the asset's bytes: an `s3://` URI in the stored manifest. */
  assetHref: (asset: PackagedAsset) => string;
}

const segment = encodeURIComponent;

/** Altid roles that carry the package's hashes (ninjs has no field for them). */
export const ALTID_ROLE = { sha256: 'loa:sha256', textSha256: 'loa:textSha256' } as const;

/** The ninjs item type for a MIME type; documents have no type of their own in ninjs 2.1. */
function itemType(mimeType: string): NinjsItemType {
  const major = mimeType.split('/')[0];
  if (major === 'image') return 'picture';
  if (major === 'video' || major === 'audio') return major;
  return 'component';
}

function association(article: Article, asset: PackagedAsset, href: string): NinjsAssociation {
  return {
    name: asset.assetId,
    uri: `${LOA_URI_BASE}/articles/${segment(article.articleId)}/assets/${segment(asset.assetId)}`,
    type: itemType(asset.mimeType),
    version: String(article.version),
    ...(asset.title && { title: asset.title }),
    ...(asset.credit && { by: asset.credit }),
    ...(asset.altText && {
      descriptions: [{ role: 'alt', contenttype: 'text/plain', value: asset.altText }],
    }),
    renditions: [
      {
        name: 'original',
        href,
        contenttype: asset.mimeType,
        ...(asset.width !== undefined && { width: asset.width }),
        ...(asset.height !== undefined && { height: asset.height }),
        sizeinbytes: asset.sizeBytes,
        ...(asset.durationSeconds !== undefined && { duration: asset.durationSeconds }),
      },
    ],
    altids: [
      { role: 'loa:assetId', value: asset.assetId },
      // ninjs 2.1 renditions take no hash; an altid carries it, so partners can check the bytes.
      ...(asset.sha256 ? [{ role: ALTID_ROLE.sha256, value: asset.sha256 }] : []),
    ],
  };
}

/**
 * Builds the ninjs 2.1 manifest of one article version. Text is copied as is, never normalised.
 * `versioncreated` is the approval time, so packaging the same version again gives the same document.
 */
export function toNinjs(article: Article, assets: PackagedAsset[], options: NinjsOptions): NinjsDocument {
  const altids: NinjsAltId[] = [{ role: 'loa:articleId', value: article.articleId }];
  if (article.canonicalUrl) altids.push({ role: 'canonical', value: article.canonicalUrl });
  if (article.translationOf) altids.push({ role: 'loa:translationOf', value: article.translationOf });
  altids.push({ role: ALTID_ROLE.textSha256, value: textSha256(article) });
  return {
    uri: `${LOA_URI_BASE}/articles/${segment(article.articleId)}`,
    type: 'text',
    representationtype: 'full',
    version: String(article.version),
    versioncreated: article.approvedAt,
    language: article.language,
    pubstatus: 'usable',
    headlines: [{ role: 'main', contenttype: 'text/plain', value: article.title }],
    ...(article.summary && {
      descriptions: [{ role: 'summary', contenttype: 'text/plain', value: article.summary }],
    }),
    bodies: [{ role: 'main', contenttype: 'text/html', value: article.bodyHtml }],
    subjects: article.topics.map((topic) => ({ uri: `${LOA_URI_BASE}/topics/${topic}`, name: topic })),
    ...(article.byline && { by: article.byline }),
    ...(article.embargoUntil && { embargoed: article.embargoUntil }),
    altids,
    ...(assets.length > 0 && {
      associations: assets.map((asset) => association(article, asset, options.assetHref(asset))),
    }),
    standard: { name: 'ninjs', version: '2.1', schema: NINJS_SCHEMA_URI },
  };
}

/** A copy of `doc` whose asset links are `hrefFor(assetId)`, e.g. per-partner signed URLs. */
export function withAssetHrefs(doc: NinjsDocument, hrefFor: (assetId: string) => string): NinjsDocument {
  const copy = structuredClone(doc);
  for (const assoc of copy.associations ?? []) {
    for (const rendition of assoc.renditions) rendition.href = hrefFor(assoc.name);
  }
  return copy;
}
