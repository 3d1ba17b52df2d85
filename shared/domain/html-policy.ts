import sanitizeHtml from 'sanitize-html';

/**
 * What a news article's HTML body may contain when it leaves Loa: structure, emphasis, links, images,
 * figures, quotes, lists and simple tables. Scripts, styles, frames, forms, event handlers and
 * `javascript:`/`data:` URLs are removed, whatever a partner's CMS would do with them.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'strong',
    'em',
    'b',
    'i',
    'a',
    'img',
    'figure',
    'figcaption',
    'blockquote',
    'ul',
    'ol',
    'li',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'caption',
    'br',
  ],
  allowedAttributes: { a: ['href'], img: ['src', 'alt'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  // Content of these is dropped with the tag; any other refused tag keeps its text.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'iframe', 'object'],
  // An image whose source was refused is nothing but an empty box.
  exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  // Entities are decoded before URLs are judged (the default, and the only safe way: a browser reads
  // `javascript&#58;` as `javascript:`), then text is written back escaping only &, < and >.
  parser: { decodeEntities: true },
};

/**
 * What single-line text refuses and no article body needs: C1 controls, bidi embeddings, overrides and
 * isolates, zero-width space, word joiner and BOM. (ZWJ and ZWNJ stay: emoji and some scripts need them.)
 */
const INVISIBLE = /[\u0080-\u009F\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF]/g;

/**
 * The article body as partners receive it: markup outside the allow-list goes. Text written as UTF-8
 * characters (the CMS's usual form) comes out byte for byte; a character written as an entity
 * (`&nbsp;`, `&#7897;`) comes out as the character itself, in NFC like all Loa text.
 * Invisible controls (see INVISIBLE) are dropped, entity-written or not.
 */
export function sanitizeArticleHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS).normalize('NFC').replace(INVISIBLE, '');
}
