import { parseRssFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { renderRss } from '#formats/rss.ts';
import { feedViewFixture, richArticle } from '#test/fixtures/feed-view.ts';
import { expectRichArticleItem } from '#test/support/rss-item.ts';
import { xmlProblems } from '#test/support/xml-well-formed.ts';

const parse = (xml: string) => parseRssFeed(xml);

describe('renderRss, read back by feedsmith', () => {
  it('writes well-formed XML', () => {
    const xml = renderRss(feedViewFixture());

    expect(xmlProblems(xml)).toEqual([]);
  });

  it('describes the channel, with self and next links', () => {
    const view = feedViewFixture();

    const feed = parse(renderRss(view));

    expect(feed.title).toBe(view.title);
    expect(feed.link).toBe('https://loa.test');
    expect(feed.description).toBe(view.description);
    expect(feed.lastBuildDate).toBe('Sun, 01 Jun 2025 08:00:00 GMT');
    expect(feed.atom?.links).toEqual([
      { href: view.selfUrl, rel: 'self', type: 'application/rss+xml' },
      { href: view.nextUrl, rel: 'next', type: 'application/rss+xml' },
    ]);
  });

  it('writes each item field, Vietnamese and markup characters read back unchanged', () => {
    const article = richArticle();

    const item = parse(renderRss(feedViewFixture())).items?.[0];

    expectRichArticleItem(item, article);
    expect(item?.pubDate).toBe('Sun, 01 Jun 2025 08:00:00 GMT');
  });

  it('keeps the UTF-8 bytes of Vietnamese text as they are, not as character references', () => {
    const xml = Buffer.from(renderRss(feedViewFixture()), 'utf8');

    expect(xml.includes(Buffer.from('Ban Tuyên giáo Tỉnh ủy Hà Giang', 'utf8'))).toBe(true);
    expect(xml.includes(Buffer.from('&#'))).toBe(false);
  });

  it('describes each asset with Media RSS: type, size, dimensions, duration, credit, description', () => {
    const item = parse(renderRss(feedViewFixture())).items?.[0];

    expect(item?.media?.contents).toEqual([
      {
        url: 'https://loa.test/assets/vtv4/anh-ky-ket?expires=1750000000&kid=k1&sig=anh-ky-ket-sig',
        type: 'image/jpeg',
        medium: 'image',
        fileSize: 48_213,
        width: 320,
        height: 184,
        title: { value: 'Lễ ký kết <chính thức>', type: 'plain' },
        description: { value: 'Đại diện hai bên ký kết & bắt tay', type: 'plain' },
        credits: [{ value: 'Ảnh: Ban Tuyên giáo Tỉnh ủy Hà Giang' }],
      },
      {
        url: 'https://loa.test/assets/vtv4/phong-su?expires=1750000000&kid=k1&sig=phong-su-sig',
        type: 'video/mp4',
        medium: 'video',
        fileSize: 48_214,
        // Media RSS durations are whole seconds: 92.5 rounds to 93.
        duration: 93,
        title: { value: 'Phóng sự', type: 'plain' },
      },
    ]);
    expect(item?.media?.thumbnails).toEqual([
      {
        url: 'https://loa.test/assets/vtv4/anh-ky-ket?expires=1750000000&kid=k1&sig=anh-ky-ket-sig',
        width: 320,
        height: 184,
      },
    ]);
    expect(item?.enclosures).toEqual([
      {
        url: 'https://loa.test/assets/vtv4/anh-ky-ket?expires=1750000000&kid=k1&sig=anh-ky-ket-sig',
        length: 48_213,
        type: 'image/jpeg',
      },
    ]);
  });

  it('writes nothing for what an item does not have', () => {
    const item = parse(renderRss(feedViewFixture())).items?.[1];

    expect(item?.title).toBe('Tin ngắn về Lũng Cú');
    expect(item?.guid?.value).toBe('http://loa.example/articles/tin-ngan/versions/2');
    expect(item).not.toHaveProperty('link');
    expect(item).not.toHaveProperty('media');
    expect(item).not.toHaveProperty('enclosures');
    expect(item?.dc).not.toHaveProperty('creators');
  });

  it('lists items newest first and leaves withdrawn ones out', () => {
    const feed = parse(renderRss(feedViewFixture()));

    expect(feed.items?.map((i) => i.guid?.value)).toEqual([
      'http://loa.example/articles/hagiang-ky-ket/versions/1',
      'http://loa.example/articles/tin-ngan/versions/2',
    ]);
  });

  it('has no next link when the page has none', () => {
    const feed = parse(renderRss(feedViewFixture({ nextUrl: undefined, entries: [] })));

    expect(feed.atom?.links?.map((l) => l.rel)).toEqual(['self']);
    expect(feed.items ?? []).toEqual([]);
  });
});
