/**
 * A small XML writer for the feed formats. Text given as a string is always escaped; only values
 * this module built (`Xml`) are written as markup, so an unescaped string cannot reach the output.
 */

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** Serialised markup, built only by this module. */
export class Xml {
  constructor(readonly xml: string) {}
}

/** Characters XML 1.0 forbids even as references: C0 controls but tab, LF, CR; lone surrogates; U+FFFE/F. */
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
/** A quick test (UTF-16 units, no `u` flag) for anything FORBIDDEN might remove; surrogate pairs pass it too. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find control characters
const MAYBE_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Removes what XML cannot carry; most text has none of it, and skips the slower Unicode-aware pass. */
const clean = (value: string) => (MAYBE_FORBIDDEN.test(value) ? value.replace(FORBIDDEN, '') : value);

const ATTR_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // Attribute values are normalised by parsers; references keep these characters as they are.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/** Escapes character data; '>' too, so that `]]>` can never appear. */
export function escapeText(value: string): string {
  return clean(value).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function escapeAttr(value: string): string {
  return clean(value).replace(/[&<>"\t\n\r]/g, (c) => ATTR_ESCAPES[c] ?? c);
}

export type Attrs = Record<string, string | number | undefined>;
export type Child = Xml | string | undefined | null | false;

/**
 * An element. String children are text (escaped), arrays are spread, absent children are skipped;
 * an element without children is written `<x/>`.
 */
export function el(name: string, attrs: Attrs | null, ...children: (Child | Child[])[]): Xml {
  let open = `<${name}`;
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value !== undefined) open += ` ${key}="${escapeAttr(String(value))}"`;
  }
  let inner = '';
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    inner += child instanceof Xml ? child.xml : escapeText(child);
  }
  return new Xml(inner ? `${open}>${inner}</${name}>` : `${open}/>`);
}

/** A whole document: the declaration and its root element. */
export function xmlDocument(root: Xml): string {
  return `${XML_DECLARATION}${root.xml}\n`;
}
