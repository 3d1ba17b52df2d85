import twitterText from 'twitter-text';

/** What a social post is built from (read from the version's ninjs manifest, social/post-text.ts). */
export interface PostInput {
  title: string;
  summary?: string;
  /** The publisher's web version; never shortened or cut. */
  link?: string;
  /** Topic slugs (`xay-dung-dang`); each may become a hashtag. */
  topics: readonly string[];
  language: string;
}

export interface PostRules {
  /** Most weighted characters a post may have. */
  maxLength: number;
  /** The network's length of a text (X: twitter-text's weightedLength; others: code points). */
  measure: (text: string) => number;
  /** Most hashtags to add. */
  maxHashtags: number;
}

/** The post cannot be made to fit the network: even the shortest title we allow, plus the link, is too long. */
export class PostTooLongError extends Error {
  override readonly name = 'PostTooLongError';
}

/**
 * X's length of a text as X counts it (twitter-text v3 config): each URL is 23, code points in Latin,
 * Latin-1, Latin Extended, combining marks and general punctuation weigh 1, anything else 2. So the
 * Vietnamese letters with two marks or a dot below (U+1EA0–U+1EF9: ạ ả ấ ầ ẩ ẫ ậ … ệ ộ ợ ự ỹ) weigh 2,
 * while à á â ã è é ê ì í ò ó ô õ ù ú ý ă đ ơ ư weigh 1; most emoji weigh 2; `…` weighs 2.
 */
export function xWeightedLength(text: string): number {
  return twitterText.parseTweet(text).weightedLength;
}

/**
 * X: 280 weighted characters. Two hashtags at most: X's own guidance is one or two per post, more
 * reads as spam and costs room a Vietnamese summary needs (its letters often weigh 2).
 */
export const X_RULES: PostRules = { maxLength: 280, measure: xWeightedLength, maxHashtags: 2 };

/** Length in Unicode code points, what Facebook and Zalo count. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * A topic slug as a hashtag: each `-`-separated word capitalised and joined (`xay-dung-dang` →
 * `#XayDungDang`, `covid-19` → `#Covid19`). CamelCase because a hyphen ends a hashtag on every
 * network, and joined lowercase words are hard to read. Slugs are ASCII (schemas/text.ts), so the tag
 * has no diacritics; it is a search aid, the post's text carries the Vietnamese. '' when the topic
 * has no letter: networks do not link an all-digit tag.
 */
export function hashtagOf(topic: string): string {
  if (!/[a-z]/i.test(topic)) return '';
  const words = topic.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return `#${words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`;
}

/** A shortened summary shorter than this many graphemes says nothing: it is dropped instead. */
const MIN_SUMMARY_GRAPHEMES = 40;
/** A title is never shortened below this many graphemes (or its whole length when shorter). */
export const MIN_TITLE_GRAPHEMES = 20;

const ELLIPSIS = '…';
const SEPARATOR = '\n\n';

/**
 * The post text: title, summary, link, hashtags, separated by blank lines, within `rules`.
 *
 * When it is too long, in this order (the first that fits wins):
 * 1. hashtags are dropped, last first: they help discovery, the summary tells the story;
 * 2. the summary is shortened at a word boundary with `…`, or dropped when what would remain is
 *    shorter than MIN_SUMMARY_GRAPHEMES;
 * 3. the title is shortened at a word boundary with `…`, never below MIN_TITLE_GRAPHEMES.
 * Text without spaces (CJK) falls back to grapheme boundaries. A cut never falls inside a grapheme,
 * a URL or a hashtag, and the link is never shortened. Text is never normalised.
 * Throws PostTooLongError when even the shortest title allowed plus the link cannot fit.
 */
export function composePost(input: PostInput, rules: PostRules): string {
  const fits = (text: string) => rules.measure(text) <= rules.maxLength;
  const build = (title: string, summary: string | undefined, tags: readonly string[]) =>
    [title, summary, input.link, tags.join(' ')]
      .filter((part) => part !== undefined && part !== '')
      .join(SEPARATOR);

  const title = input.title.trim();
  const summary = input.summary?.trim() || undefined;
  const tags = [...new Set(input.topics.map(hashtagOf).filter((t) => t !== ''))].slice(0, rules.maxHashtags);

  for (let n = tags.length; n >= 0; n--) {
    const text = build(title, summary, tags.slice(0, n));
    if (fits(text)) return text;
  }
  if (summary) {
    const short = shorten(summary, MIN_SUMMARY_GRAPHEMES, (s) => fits(build(title, s, [])));
    if (short !== undefined) return build(title, short, []);
  }
  if (fits(build(title, undefined, []))) return build(title, undefined, []);
  const shortTitle = shorten(title, MIN_TITLE_GRAPHEMES, (t) => fits(build(t, undefined, [])));
  if (shortTitle !== undefined) return build(shortTitle, undefined, []);
  const minimum = shorten(title, MIN_TITLE_GRAPHEMES, () => true) ?? title;
  throw new PostTooLongError(
    `post cannot fit ${rules.maxLength}: the title shortened to ${MIN_TITLE_GRAPHEMES} characters` +
      `${input.link ? ' plus the link' : ''} measures ${rules.measure(build(minimum, undefined, []))}`,
  );
}

/**
 * The longest `text` prefix, cut at a word boundary (else a grapheme boundary) outside any URL or
 * hashtag, plus `…`, that `accept`s and keeps at least `minGraphemes` (the whole text when shorter);
 * undefined when none does. With `accept` always true, gives the shortest allowed form.
 */
function shorten(
  text: string,
  minGraphemes: number,
  accept: (candidate: string) => boolean,
): string | undefined {
  const graphemeEnds = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map(
    (s) => s.index + s.segment.length,
  );
  const minEnd = graphemeEnds[Math.min(minGraphemes, graphemeEnds.length) - 1] ?? 0;
  const entities = twitterText
    .extractEntitiesWithIndices(text)
    .filter((e) => 'url' in e || 'hashtag' in e)
    .map((e) => e.indices);
  const outside = (end: number) => !entities.some(([from, to]) => end > from && end < to);

  // Word boundaries: the end of a word followed by whitespace.
  const wordEnds = [...text.matchAll(/\S(?=\s)/gu)].map((m) => m.index + m[0].length).filter(outside);
  const graphemeCuts = graphemeEnds.filter((end) => end < text.length && outside(end));
  const candidate = (end: number) => `${text.slice(0, end).replace(/[\s,;:–—]+$/u, '')}${ELLIPSIS}`;

  for (const ends of [wordEnds, graphemeCuts]) {
    const usable = ends.filter((end) => end >= minEnd);
    const best = longestAccepted(usable, (end) => accept(candidate(end)));
    if (best !== undefined) return candidate(best);
    // Text with spaces is cut at words only; graphemes are for scripts written without spaces.
    if (wordEnds.length > 0) return undefined;
  }
  return undefined;
}

/**
 * The largest of ascending `ends` that `ok` accepts, by binary search: a longer prefix never measures
 * less (URLs and hashtags are never cut, so no prefix turns a URL's 23 into more or less).
 */
function longestAccepted(ends: readonly number[], ok: (end: number) => boolean): number | undefined {
  let lo = 0;
  let hi = ends.length - 1;
  let best: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const end = ends[mid] as number;
    if (ok(end)) {
      best = end;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}
