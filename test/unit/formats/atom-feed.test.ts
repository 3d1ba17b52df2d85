import { parseAtomFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { renderAtom } from '#formats/atom.ts';
import { feedViewFixture, richArticle, TRICKY_BODY, TRICKY_TITLE } from '#test/fixtures/feed-view.ts';
import { xmlProblems } from '#test/support/xml-well-formed.ts';

const asset = (id: string) => `https://loa.test/assets/vtv4/${id}?expires=1750000000&kid=k1&sig=${id}-sig`;

describe('renderAtom, read back by feedsmith', () => {
  it('writes well-formed XML', () => {
    expect(xmlProblems(renderAtom(feedViewFixture()))).toEqual([]);
  });

  it('describes the feed: id, title, updated, an author, self, alternate and next links', () => {
    const view = feedViewFixture();

    const feed = parseAtomFeed(renderAtom(view));

    expect(feed.id).toBe('https://loa.test/feeds/vtv4');
    expect(feed.title).toEqual({ value: view.title, type: 'text' });
    expect(feed.subtitle).toEqual({ value: view.description, type: 'text' });
    expect(feed.updated).toBe('2025-06-01T08:00:00.000Z');
    expect(feed.authors).toEqual([{ name: 'Loa' }]);
    expect(feed.links).toEqual([
      { href: view.selfUrl, rel: 'self', type: 'application/atom+xml' },
      { href: 'https://loa.test', rel: 'alternate', type: 'text/html' },
      { href: view.nextUrl, rel: 'next', type: 'application/atom+xml' },
    ]);
  });

  it('writes each entry field, Vietnamese and markup characters read back unchanged', () => {
    const article = richArticle();

    const entry = parseAtomFeed(renderAtom(feedViewFixture())).entries?.[0];

    expect(entry?.id).toBe('http://loa.example/articles/hagiang-ky-ket/versions/1');
    expect(entry?.title).toEqual({ value: TRICKY_TITLE, type: 'text' });
    expect(entry?.summary).toEqual({ value: article.summary, type: 'text' });
    expect(entry?.content).toEqual({ value: TRICKY_BODY, type: 'html' });
    expect(entry?.authors).toEqual([{ name: 'Ban Tuyên giáo Tỉnh ủy Hà Giang' }]);
    expect(entry?.published).toBe('2025-06-01T08:00:00.000Z');
    expect(entry?.updated).toBe('2025-06-01T08:00:00.000Z');
    expect(entry?.categories).toEqual([{ term: 'culture-tourism' }, { term: 'infrastructure' }]);
    expect(entry?.xml?.lang).toBe('vi');
  });

  it('links the canonical page and each asset as an enclosure with type, length and title', () => {
    const entry = parseAtomFeed(renderAtom(feedViewFixture())).entries?.[0];

    expect(entry?.links).toEqual([
      { href: 'https://hagiang.gov.vn/tin-tuc/ky-ket?ma=1&lang=vi', rel: 'alternate', type: 'text/html' },
      {
        href: asset('anh-ky-ket'),
        rel: 'enclosure',
        type: 'image/jpeg',
        length: 48_213,
        title: 'Lễ ký kết <chính thức>',
      },
      { href: asset('phong-su'), rel: 'enclosure', type: 'video/mp4', length: 48_214, title: 'Phóng sự' },
    ]);
  });

  it('writes nothing for what an entry does not have; the feed author stands in for a byline', () => {
    const entry = parseAtomFeed(renderAtom(feedViewFixture())).entries?.[1];

    expect(entry?.title?.value).toBe('Tin ngắn về Lũng Cú');
    expect(entry).not.toHaveProperty('authors');
    expect(entry).not.toHaveProperty('summary');
    expect(entry).not.toHaveProperty('links');
  });

  it('lists entries newest first and leaves withdrawn ones out', () => {
    const feed = parseAtomFeed(renderAtom(feedViewFixture()));

    expect(feed.entries?.map((e) => e.id)).toEqual([
      'http://loa.example/articles/hagiang-ky-ket/versions/1',
      'http://loa.example/articles/tin-ngan/versions/2',
    ]);
  });
});
