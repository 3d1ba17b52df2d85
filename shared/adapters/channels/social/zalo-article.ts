import { codePointLength } from '#domain/social-post.ts';
import { mediaOf } from '#formats/feed-view.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import { composeOrRefuse, postInputOf } from './post-text.ts';

/** Zalo's article text limits, in characters (code points). */
const ZALO_ARTICLE_LIMITS = { title: 150, description: 300, author: 50 } as const;

/** An OA article (`type: normal`) as the create and update calls take it. */
export interface ZaloArticle {
  type: 'normal';
  title: string;
  author?: string;
  description: string;
  cover?: { cover_type: 'photo'; photo_url: string; status: 'show' };
  body: { type: 'text'; content: string }[];
  status: 'show';
  comment: 'show';
}

/**
 * The article for a version: shortened texts, teaser body, cover when a public image exists. The
 * rules and why: docs/social.md, Zalo.
 */
export function articleOf(manifest: NinjsDocument): ZaloArticle {
  const input = postInputOf(manifest);
  const title = within(input.title, ZALO_ARTICLE_LIMITS.title, manifest.language);
  const description = within(
    input.summary || input.title,
    ZALO_ARTICLE_LIMITS.description,
    manifest.language,
  );
  const author = manifest.by?.trim()
    ? [...manifest.by.trim()].slice(0, ZALO_ARTICLE_LIMITS.author).join('')
    : '';
  const paragraphs = [input.summary, input.link].filter((p): p is string => Boolean(p?.trim()));
  const cover = coverOf(manifest);
  return {
    type: 'normal',
    title,
    ...(author && { author }),
    description,
    ...(cover && { cover: { cover_type: 'photo', photo_url: cover, status: 'show' } }),
    body: (paragraphs.length > 0 ? paragraphs : [input.title]).map((content) => ({ type: 'text', content })),
    status: 'show',
    comment: 'show',
  };
}

/** `text` within `max` code points, shortened at a word boundary with `…` (composePost's rules). */
function within(text: string, max: number, language: string): string {
  return composeOrRefuse(
    'Zalo article',
    { title: text, topics: [], language },
    { maxLength: max, measure: codePointLength, maxHashtags: 0 },
  );
}

/** The first picture's public URL, when the manifest has one Zalo could fetch. */
function coverOf(manifest: NinjsDocument): string | undefined {
  return mediaOf(manifest).find((m) => m.type === 'picture' && /^https?:\/\//.test(m.href))?.href;
}
