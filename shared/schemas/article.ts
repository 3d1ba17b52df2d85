import * as z from 'zod';
import { htmlText, isoDateTime, language, line, slug, text, topic, utf8Bytes } from './text.ts';

/** Article body limit: EventBridge caps a whole entry at 256 KiB, so the body gets 200 KiB of it. */
export const MAX_BODY_BYTES = 200 * 1024;

/**
 * Longest embargo after approval. A longer one is a typing error (a year off), and a delivery held
 * for it would sit unfinished for that long; an embargo already past simply releases at once.
 */
const MAX_EMBARGO_DAYS = 366;

const S3_URI = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;

/** Parses `s3://bucket/key`; null when it is not one. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const m = S3_URI.exec(uri);
  return m?.[1] && m[2] ? { bucket: m[1], key: m[2] } : null;
}

/** An object key we are willing to copy: relative, no `..` or `.` segments, no backslashes or empty segments. */
function isSafeKey(key: string): boolean {
  if (key.length > 1024 || key.startsWith('/') || key.includes('\\')) return false;
  return key.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

const assetUri = z.string().superRefine((uri, ctx) => {
  const parsed = parseS3Uri(uri);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: 'must be an s3://bucket/key URI' });
  } else if (!isSafeKey(parsed.key)) {
    ctx.addIssue({
      code: 'custom',
      message: "key must be relative, without '..', '.', '\\' or empty segments",
    });
  }
});

export const Asset = z.object({
  assetId: slug('assetId'),
  uri: assetUri,
  mimeType: z
    .string()
    .regex(/^(image|video|audio|application|text)\/[A-Za-z0-9.+-]+$/, 'must be a MIME type'),
  title: line(500).optional(),
  altText: line(1000).optional(),
  credit: line(300).optional(),
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  durationSeconds: z.number().positive().optional(),
});
export type Asset = z.infer<typeof Asset>;

export const Article = z
  .object({
    articleId: slug('articleId'),
    version: z.number().int().min(1),
    language,
    title: line(500).min(1),
    summary: text(2000).default(''),
    bodyHtml: htmlText(MAX_BODY_BYTES)
      .min(1, 'must not be empty')
      .refine((s) => utf8Bytes(s) <= MAX_BODY_BYTES, `must be at most ${MAX_BODY_BYTES} bytes of UTF-8`),
    topics: z.array(topic).min(1).max(50),
    byline: line(300).optional(),
    embargoUntil: isoDateTime.optional(),
    canonicalUrl: z.url({ protocol: /^https?$/ }).optional(),
    /**
     * The article this one translates (same story, another language). A translation is an article of
     * its own (own id, versions, withdrawal) and routes by its own language; this links the two.
     */
    translationOf: slug('translationOf').optional(),
    assets: z.array(Asset).max(50).default([]),
    approvedAt: isoDateTime,
    approvedBy: line(200).optional(),
  })
  .superRefine((a, ctx) => {
    // An embargo that ended before the approval is a typing error, not an embargo: refused, named.
    if (a.embargoUntil && Date.parse(a.embargoUntil) < Date.parse(a.approvedAt)) {
      ctx.addIssue({ code: 'custom', path: ['embargoUntil'], message: 'must not be before approvedAt' });
    }
    if (
      a.embargoUntil &&
      Date.parse(a.embargoUntil) - Date.parse(a.approvedAt) > MAX_EMBARGO_DAYS * 86_400_000
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['embargoUntil'],
        message: `must be at most ${MAX_EMBARGO_DAYS} days after approvedAt`,
      });
    }
    const seen = new Set<string>();
    a.assets.forEach((asset, i) => {
      if (seen.has(asset.assetId)) {
        ctx.addIssue({ code: 'custom', path: ['assets', i, 'assetId'], message: 'duplicated assetId' });
      }
      seen.add(asset.assetId);
    });
  });
export type Article = z.infer<typeof Article>;
