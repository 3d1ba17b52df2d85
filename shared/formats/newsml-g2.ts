import { articleUri, bodyHtml, canonicalUrl, headline, type MediaDetails, summary } from './feed-view.ts';
import type { NinjsDocument } from './ninjs.ts';
import { el, type Xml, xmlDocument } from './xml.ts';

/**
 * NewsML-G2 2.35 `newsItem` for broadcasters: one text item per article version, its assets as
 * `remoteContent` with size, type and SHA-256, and a kill notice (`stat:canceled`) on withdrawal.
 * Validated against IPTC's XSD in test/unit/formats/newsml-g2.test.ts.
 */

const NEWSML_NS = 'http://iptc.org/std/nar/2006-10-01/';
export const NEWSML_CONTENT_TYPE = 'application/vnd.iptc.g2.newsitem+xml; charset=utf-8';
/** Resolves the IPTC scheme aliases used here (ninat, stat, drol, timeunit, irel, cpnat). */
const IPTC_CATALOG = 'http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_37.xml';
/**
 * SHA-256 named by URI: the 2.35 schema only says "either hashtype or hashtypeuri MUST be used", and we
 * could not verify a SHA-256 code in IPTC's hashtype NewsCodes (a 2011 vocabulary), whereas this W3C
 * identifier (XML Encryption / XML Signature) is unambiguous to any receiver.
 */
export const SHA256_HASHTYPE_URI = 'http://www.w3.org/2001/04/xmlenc#sha256';

/** One media file of a broadcast package as pushed; `description` is its alt text. */
export interface BroadcastMedia extends MediaDetails {
  assetId: string;
  /** Where the partner finds the bytes, as pushed (absolute URL, or s3:// URI). */
  href: string;
  contentType: string;
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the bytes as pushed. */
  sha256: string;
}

export interface NewsItemInput {
  manifest: NinjsDocument;
  /** In manifest.associations order. */
  media: BroadcastMedia[];
  pubStatus: 'usable' | 'canceled';
  /** The item's version attribute (an integer ≥ 1). Publish: the article version; kill notice: the withdrawn version + 1. */
  version: number;
  /** versionCreated for this item (publish: manifest.versioncreated; kill: the withdrawal time). */
  versionCreated: string;
  /** The publisher's name, written as the provider. */
  provider: string;
  /** Kill notice only: the reason, shown in an edNote. */
  note?: string;
  /** When version 1 was created, if the caller knows it; a later version's manifest does not say. */
  firstCreated?: string;
}

/**
 * The item's guid: the article's IRI, the same for every version (NewsML-G2 tells versions apart by the
 * `version` attribute), so a kill notice names the item the partner already holds.
 */
export function newsItemGuid(manifest: Pick<NinjsDocument, 'uri' | 'altids'>): string {
  const articleId = manifest.altids.find((a) => a.role === 'loa:articleId')?.value;
  return articleId === undefined ? manifest.uri : articleUri(articleId);
}

/**
 * An `xs:ID` made from an asset id, persistent across versions as the schema asks. Characters outside
 * [A-Za-z0-9.-] become `_<hex>_`, so different asset ids never give the same ID.
 */
function contentId(assetId: string): string {
  let id = 'asset-';
  for (const char of assetId) {
    id += /[A-Za-z0-9.-]/.test(char) ? char : `_${(char.codePointAt(0) ?? 0).toString(16)}_`;
  }
  return id;
}

/** `literal` is a g2normalizedString (no tab or line break); the exact text is in the `name` child. */
const literal = (value: string) => value.replace(/\s+/g, ' ').trim();

/** Schema integers; the CMS gives whole pixels and bytes, this only guards against a stray fraction. */
const int = (n: number | undefined) => (n === undefined ? undefined : Math.round(n));

function remoteContent(m: BroadcastMedia): Xml {
  return el(
    'remoteContent',
    {
      id: contentId(m.assetId),
      href: m.href,
      size: int(m.sizeBytes),
      contenttype: m.contentType,
      title: m.title,
      width: int(m.width),
      height: int(m.height),
      duration: m.durationSeconds === undefined ? undefined : String(m.durationSeconds),
      durationunit: m.durationSeconds === undefined ? undefined : 'timeunit:seconds',
    },
    el('hash', { hashtypeuri: SHA256_HASHTYPE_URI }, m.sha256),
  );
}

/**
 * What a rendition attribute cannot say about an asset (credit, alternative text), attached to the
 * asset's `remoteContent` by `contentrefs`. IPTC's description roles have no verified accessibility
 * code, so alternative text goes out as the caption, which is what it describes.
 */
function assetMeta(m: BroadcastMedia, seq: number): Xml | undefined {
  if (!m.credit && !m.description) return undefined;
  return el(
    'partMeta',
    { contentrefs: contentId(m.assetId), seq },
    m.credit && el('creditline', null, m.credit),
    m.description && el('description', { role: 'drol:caption' }, m.description),
  );
}

function itemMeta(input: NewsItemInput, canceled: boolean): Xml {
  const { manifest } = input;
  const link = canonicalUrl(manifest);
  return el(
    'itemMeta',
    null,
    el('itemClass', { qcode: 'ninat:text' }),
    el('provider', { literal: literal(input.provider) }, el('name', null, input.provider)),
    el('versionCreated', null, input.versionCreated),
    input.firstCreated && el('firstCreated', null, input.firstCreated),
    // Embargo belongs to itemMeta in 2.35; a kill notice is never embargoed.
    !canceled && manifest.embargoed && el('embargoed', null, manifest.embargoed),
    el('pubStatus', { qcode: canceled ? 'stat:canceled' : 'stat:usable' }),
    input.note && el('edNote', null, input.note),
    link && el('link', { rel: 'irel:seeAlso', href: link, contenttype: 'text/html' }),
  );
}

function contentMeta(input: NewsItemInput, canceled: boolean): Xml {
  const { manifest } = input;
  const title = headline(manifest);
  if (canceled) {
    // Enough for a broadcaster to find and pull the story by eye as well as by guid.
    return el('contentMeta', null, el('language', { tag: manifest.language }), el('headline', null, title));
  }
  const abstract = summary(manifest);
  return el(
    'contentMeta',
    null,
    el('contentModified', null, manifest.versioncreated),
    el('language', { tag: manifest.language }),
    manifest.subjects.map((s) =>
      el('subject', { type: 'cpnat:abstract', uri: s.uri }, el('name', null, s.name)),
    ),
    el('headline', null, title),
    abstract && el('description', { role: 'drol:summary' }, abstract),
    manifest.by && el('by', null, manifest.by),
    el('creditline', null, input.provider),
  );
}

/**
 * The body goes as `inlineData` of type text/html, escaped: CMS HTML5 is not guaranteed to be XHTML, so
 * `inlineXML` could be malformed or claim a type the markup is not.
 */
function contentSet(input: NewsItemInput): Xml {
  return el(
    'contentSet',
    null,
    el(
      'inlineData',
      { contenttype: 'text/html', 'xml:lang': input.manifest.language },
      bodyHtml(input.manifest),
    ),
    input.media.map(remoteContent),
  );
}

/** A complete NewsML-G2 document; text is copied as is, only escaped. */
export function newsItemXml(input: NewsItemInput): string {
  if (!Number.isInteger(input.version) || input.version < 1) {
    throw new Error(`NewsML-G2 version must be an integer ≥ 1, got ${input.version}`);
  }
  const canceled = input.pubStatus === 'canceled';
  const { manifest } = input;
  return xmlDocument(
    el(
      'newsItem',
      {
        xmlns: NEWSML_NS,
        guid: newsItemGuid(manifest),
        version: input.version,
        standard: 'NewsML-G2',
        standardversion: '2.35',
        conformance: 'power',
        'xml:lang': manifest.language,
      },
      el('catalogRef', { href: IPTC_CATALOG }),
      itemMeta(input, canceled),
      contentMeta(input, canceled),
      !canceled && input.media.map((m, i) => assetMeta(m, i + 1)),
      !canceled && contentSet(input),
    ),
  );
}
