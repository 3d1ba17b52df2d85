import * as z from 'zod';

/** C0 controls other than tab, LF and CR, and DEL: never meaningful in article text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find control characters
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** C1 controls (U+0080–U+009F): invisible, and some (U+0085) are line breaks to some readers. */
const C1_CONTROL = /[\u0080-\u009F]/;

/** Bidi embeddings, overrides and isolates: they reorder what a reader sees (a "Trojan Source" title). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;

/** Zero-width characters: a title or name that looks the same as another but is not. */
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/;

/** `contains <what> (U+XXXX)`, naming the first offending code point. */
function naming(pattern: RegExp, what: string) {
  return (s: string) => {
    const found = pattern.exec(s)?.[0];
    const code = found?.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    return `contains ${what} (U+${code})`;
  };
}

/** A UTF-16 surrogate without its pair: it has no UTF-8 form, so it cannot survive byte for byte. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * HTML text (article bodies): Unicode NFC, no C0 control characters. C1 and bidi controls and
 * zero-width characters are not refused here: the body is sanitised, and the sanitiser drops them.
 * We refuse NFD rather than normalise it, so what the CMS sent is exactly what partners get.
 */
export const htmlText = (maxChars: number) =>
  z
    .string()
    .max(maxChars)
    .refine((s) => !CONTROL.test(s), 'contains a control character')
    .refine((s) => !LONE_SURROGATE.test(s), 'contains a lone UTF-16 surrogate (not valid Unicode text)')
    .refine((s) => s === s.normalize('NFC'), 'must be Unicode NFC (composed); NFD or mixed text is refused');

/** Multi-line plain text (a summary, a reason): as htmlText, and no C1 or bidi control characters. */
export const text = (maxChars: number) =>
  htmlText(maxChars)
    .refine((s) => !C1_CONTROL.test(s), {
      error: (i) => naming(C1_CONTROL, 'a C1 control character')(String(i.input)),
    })
    .refine((s) => !BIDI_CONTROL.test(s), {
      error: (i) => naming(BIDI_CONTROL, 'a bidirectional override or isolate')(String(i.input)),
    });

/**
 * Single-line text shown as a label (titles, names, bylines, credits): as text, and no zero-width
 * characters either, so that two labels that look the same are the same.
 */
export const line = (maxChars: number) =>
  text(maxChars).refine((s) => !ZERO_WIDTH.test(s), {
    error: (i) => naming(ZERO_WIDTH, 'a zero-width character')(String(i.input)),
  });

/** A short identifier safe in keys, paths and URLs. */
export const slug = (what: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
      `${what} must be 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit`,
    );

export const topic = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'topic must be a lowercase slug (a-z, 0-9, -), at most 64 characters');

/** BCP 47 language tag, the subset we use: `vi`, `en`, `en-GB`, `zh-Hans`. */
export const language = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'language must be a BCP 47 tag such as "vi" or "en-GB"');

export const isoDateTime = z.iso.datetime({ offset: true });

/** Size in UTF-8 bytes, which is what the bus and HTTP limits count. */
export const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
