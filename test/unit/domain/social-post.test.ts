import { describe, expect, it } from 'vitest';
import {
  codePointLength,
  composePost,
  hashtagOf,
  MIN_TITLE_GRAPHEMES,
  type PostInput,
  type PostRules,
  PostTooLongError,
  X_RULES,
  xWeightedLength,
} from '#domain/social-post.ts';

const TITLE = 'Hà Giang ký kết phối hợp tuyên truyền với Ban Truyền hình đối ngoại VTV4';
const SUMMARY =
  'Chiều 16/2, Ban Tuyên giáo Tỉnh ủy Hà Giang tổ chức Lễ ký kết phối hợp công tác tuyên truyền với Ban ' +
  'Truyền hình đối ngoại, Đài Truyền hình Việt Nam (VTV4), nhằm giới thiệu vùng đất, con người Hà Giang ' +
  'tới bạn bè trong nước, quốc tế và người Việt Nam ở nước ngoài.';
const LINK = 'https://hagiang.gov.vn/tin-tuc/ha-giang-ky-ket-phoi-hop-tuyen-truyen-voi-vtv4-2024.html';

const input = (overrides: Partial<PostInput> = {}): PostInput => ({
  title: TITLE,
  summary: SUMMARY,
  link: LINK,
  topics: ['culture-tourism', 'party-resolutions'],
  language: 'vi',
  ...overrides,
});

const codePoints: PostRules = { maxLength: 500, measure: codePointLength, maxHashtags: 3 };

describe("X's weighted length (twitter-text)", () => {
  it('weighs Vietnamese letters in U+1Exx as 2 and Latin-1 letters as 1, counted by hand', () => {
    // 37 code points; ế (U+1EBF), ố (U+1ED1), ợ (U+1EE3), ề (U+1EC1) weigh 2; à ý ê weigh 1.
    const text = 'Hà Giang ký kết phối hợp tuyên truyền';
    expect(codePointLength(text)).toBe(37);
    expect(xWeightedLength(text)).toBe(41);
    expect(xWeightedLength('Cập nhật: ')).toBe(12);
    expect(xWeightedLength('đơn ưu')).toBe(6);
  });

  it('counts every URL as 23, whatever its length', () => {
    const long = `https://example.com/${'a'.repeat(150)}`;
    expect(xWeightedLength(long)).toBe(23);
    expect(xWeightedLength(`${LINK} ${long} https://x.co`)).toBe(23 * 3 + 2);
  });

  it('weighs an emoji, even a joined family, as 2', () => {
    expect(xWeightedLength('😀')).toBe(2);
    expect(xWeightedLength('👨‍👩‍👧')).toBe(2);
  });
});

describe('hashtagOf', () => {
  it('joins the words of a topic slug in CamelCase', () => {
    expect(hashtagOf('xay-dung-dang')).toBe('#XayDungDang');
    expect(hashtagOf('culture-tourism')).toBe('#CultureTourism');
    expect(hashtagOf('covid-19')).toBe('#Covid19');
  });

  it('gives no tag for a topic without a letter (networks do not link all-digit tags)', () => {
    expect(hashtagOf('2024')).toBe('');
  });
});

describe('composePost', () => {
  it('puts title, summary, link and hashtags on their own paragraphs, text as given', () => {
    const post = composePost(input(), codePoints);

    expect(post).toBe(`${TITLE}\n\n${SUMMARY}\n\n${LINK}\n\n#CultureTourism #PartyResolutions`);
    expect(Buffer.from(post).includes(Buffer.from(TITLE))).toBe(true);
  });

  it('adds at most the rule’s number of hashtags, each once, and skips tags without a letter', () => {
    const post = composePost(
      input({
        summary: undefined,
        topics: ['2024', 'ocop-products', 'ocop-products', 'infrastructure', 'culture-tourism'],
      }),
      { ...codePoints, maxHashtags: 2 },
    );

    expect(post.endsWith('\n\n#OcopProducts #Infrastructure')).toBe(true);
  });

  it('keeps a post of exactly 280 weighted characters whole, and shortens one of 281', () => {
    const tag = hashtagOf('culture-tourism');
    const base = composePost(input({ summary: undefined, topics: ['culture-tourism'] }), X_RULES);
    const filler = 280 - xWeightedLength(`${base}\n\n`);
    const exact = input({ summary: 'a'.repeat(filler), topics: ['culture-tourism'] });

    const post = composePost(exact, X_RULES);
    expect(xWeightedLength(post)).toBe(280);
    expect(post).toBe(`${TITLE}\n\n${'a'.repeat(filler)}\n\n${LINK}\n\n${tag}`);

    // 281: the hashtag goes first, the summary stays whole.
    const over = composePost({ ...exact, summary: 'a'.repeat(filler + 1) }, X_RULES);
    expect(over).toBe(`${TITLE}\n\n${'a'.repeat(filler + 1)}\n\n${LINK}`);
  });

  it('shortens a post of 281 weighted characters without hashtags: …, which weighs 2, replaces 3', () => {
    const base = composePost(input({ summary: undefined, topics: [] }), X_RULES);
    const filler = 280 - xWeightedLength(`${base}\n\n`);

    expect(composePost(input({ summary: 'a'.repeat(filler), topics: [] }), X_RULES)).toBe(
      `${TITLE}\n\n${'a'.repeat(filler)}\n\n${LINK}`,
    );
    // A single word has no word boundary: it is cut at a grapheme.
    const post = composePost(input({ summary: 'a'.repeat(filler + 1), topics: [] }), X_RULES);
    expect(post).toBe(`${TITLE}\n\n${'a'.repeat(filler - 2)}…\n\n${LINK}`);
    expect(xWeightedLength(post)).toBe(280);
  });

  it('drops hashtags, last first, before it cuts the summary', () => {
    const first = hashtagOf('culture-tourism');
    const short = 'Chiều 16/2, Ban Tuyên giáo Tỉnh ủy Hà Giang tổ chức Lễ ký kết với VTV4.';
    const unpadded = xWeightedLength(composePost(input({ summary: short, topics: [] }), X_RULES));
    // Pad the summary so that the post with the first tag is exactly 280.
    const summary = `${short} ${'x'.repeat(280 - unpadded - 2 - first.length - 1)}`;
    const withoutTags = composePost(input({ summary, topics: [] }), X_RULES);
    expect(xWeightedLength(`${withoutTags}\n\n${first}`)).toBe(280);

    const post = composePost(input({ summary, topics: ['culture-tourism', 'party-resolutions'] }), X_RULES);

    expect(post).toBe(`${TITLE}\n\n${summary}\n\n${LINK}\n\n${first}`);
  });

  it('cuts a summary that does not fit at a word boundary with …, after dropping every hashtag', () => {
    const summary = `${SUMMARY} ${SUMMARY}`;
    const post = composePost(input({ summary }), X_RULES);

    expect(xWeightedLength(post)).toBeLessThanOrEqual(280);
    expect(post).not.toContain('#');
    const [title, shortened, link] = post.split('\n\n');
    expect(title).toBe(TITLE);
    expect(link).toBe(LINK);
    expect(shortened?.endsWith('…')).toBe(true);
    const kept = (shortened ?? '').slice(0, -1);
    expect(summary.startsWith(kept)).toBe(true);
    // The cut is at a word's end: the original goes on with a space (or a comma before one).
    expect(summary.slice(kept.length)).toMatch(/^[,;:]?\s/);
    // And it is the longest such cut: one more word would not fit.
    const nextWord = summary.slice(kept.length).match(/^[,;:]?\s+\S+/)?.[0] ?? '';
    expect(xWeightedLength(`${TITLE}\n\n${kept}${nextWord}…\n\n${LINK}`)).toBeGreaterThan(280);
  });

  it('shortens a long Vietnamese title at a word boundary and keeps the link whole', () => {
    const title = Array.from({ length: 12 }, () => 'Đẩy mạnh chuyển đổi số ở các huyện vùng cao').join(', ');
    expect(xWeightedLength(title)).toBeGreaterThan(280);

    const post = composePost(input({ title }), X_RULES);

    expect(xWeightedLength(post)).toBeLessThanOrEqual(280);
    const [shortTitle, link, ...rest] = post.split('\n\n');
    expect(rest).toEqual([]);
    expect(link).toBe(LINK);
    expect(shortTitle?.endsWith('…')).toBe(true);
    expect(title.startsWith((shortTitle ?? '').slice(0, -1))).toBe(true);
    expect(title.slice((shortTitle ?? '').length - 1)).toMatch(/^[,]?\s/);
    // The room used: at most one more word's weight is left over.
    expect(xWeightedLength(post)).toBeGreaterThan(280 - 12);
  });

  it('counts several URLs in a summary as 23 each, so a summary longer than 280 code points fits', () => {
    const url = (n: number) => `https://hagiang.gov.vn/van-ban/${n}/${'chi-tiet-'.repeat(8)}${n}.html`;
    const summary = `Xem ${url(1)} và ${url(2)} cùng ${url(3)}`;
    const post = composePost(input({ summary, topics: [] }), X_RULES);

    expect(codePointLength(post)).toBeGreaterThan(280);
    expect(xWeightedLength(post)).toBeLessThanOrEqual(280);
    expect(post).toContain(summary);
  });

  it('never cuts inside a URL or a hashtag of the summary', () => {
    const long = `https://hagiang.gov.vn/${'a'.repeat(120)}`;
    const words = Array.from({ length: 60 }, (_, i) =>
      i % 7 === 3 ? long : i % 5 === 0 ? '#HàGiang' : 'lời',
    );
    const summary = words.join(' ');
    const post = composePost(input({ summary, topics: [] }), X_RULES);

    const kept = (post.split('\n\n')[1] ?? '').slice(0, -1);
    expect(kept.length).toBeGreaterThan(0);
    expect(summary.startsWith(kept)).toBe(true);
    const lastWord = kept.split(' ').at(-1);
    expect(words).toContain(lastWord);
  });

  it('cuts text written without spaces at grapheme boundaries, never inside an emoji sequence', () => {
    const family = '👨‍👩‍👧';
    const summary = `${family}漢字`.repeat(120);
    const post = composePost(input({ summary, topics: [] }), X_RULES);

    expect(xWeightedLength(post)).toBeLessThanOrEqual(280);
    const kept = (post.split('\n\n')[1] ?? '').slice(0, -1);
    expect(kept.length).toBeGreaterThan(0);
    expect(summary.startsWith(kept)).toBe(true);
    expect(kept.replaceAll(family, '').replaceAll('漢', '').replaceAll('字', '')).toBe('');
    expect(/[\uD800-\uDBFF]$/.test(kept)).toBe(false);
  });

  it('cuts text without spaces before a URL rather than inside it', () => {
    const url = `https://example.com/${'a'.repeat(100)}`;
    const summary = `${'漢'.repeat(50)}${url}${'字'.repeat(50)}`;
    const rules: PostRules = {
      maxLength: 'Tin\n\n'.length + 50 + 60,
      measure: codePointLength,
      maxHashtags: 0,
    };

    const post = composePost({ title: 'Tin', summary, topics: [], language: 'zh' }, rules);

    expect(post).toBe(`Tin\n\n${'漢'.repeat(50)}…`);
  });

  it('drops a summary rather than keep only a few words of it', () => {
    const summary = `Ngắn gọn ${'dài'.repeat(200)}`;
    expect(composePost(input({ summary, topics: [] }), X_RULES)).toBe(`${TITLE}\n\n${LINK}`);
  });

  it('refuses when even the shortest allowed title plus the link cannot fit', () => {
    const rules: PostRules = {
      maxLength: MIN_TITLE_GRAPHEMES + 10,
      measure: codePointLength,
      maxHashtags: 0,
    };

    expect(() => composePost(input(), rules)).toThrow(PostTooLongError);
    expect(() => composePost(input(), rules)).toThrow(/title shortened to 20 characters plus the link/);
  });

  it('shortens the title to fit without a link when there is none', () => {
    const rules: PostRules = { maxLength: 40, measure: codePointLength, maxHashtags: 2 };
    const post = composePost(input({ link: undefined }), rules);

    expect(post).toBe('Hà Giang ký kết phối hợp tuyên truyền…');
  });
});
