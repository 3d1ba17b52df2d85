import { z } from 'zod';

/** C0 controls other than tab, LF and CR, and DEL: never meaningful in article text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find control characters
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** A UTF-16 surrogate without its pair: it has no UTF-8 form, so it cannot survive byte for byte. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text that must reach partners byte for byte: Unicode NFC, no control characters.
 * We refuse NFD rather than normalise it, so what the CMS sent is exactly what partners get.
 */
export const text = (maxChars: number) =>
  z
    .string()
    .max(maxChars)
    .refine((s) => !CONTROL.test(s), 'contains a control character')
    .refine((s) => !LONE_SURROGATE.test(s), 'contains a lone UTF-16 surrogate (not valid Unicode text)')
    .refine((s) => s === s.normalize('NFC'), 'must be Unicode NFC (composed); NFD or mixed text is refused');

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
