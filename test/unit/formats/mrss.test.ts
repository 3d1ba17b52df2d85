import { parseRssFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { type MrssInput, mrssItemXml } from '#formats/mrss.ts';
import type { Article } from '#schemas/article.ts';
import { bareArticle, richArticle } from '#test/fixtures/feed-view.ts';
import { packagedManifest, pushedMedia, SHA } from '#test/support/broadcast-media.ts';
import { expectRichArticleItem } from '#test/support/rss-item.ts';
import { xmlProblems } from '#test/support/xml-well-formed.ts';

function input(article: Article, overrides: Partial<MrssInput> = {}): MrssInput {
  return {
    manifest: packagedManifest(article),
    media: pushedMedia(article, (assetId) => `s3://vtv4-ingest/loa/${assetId}.bin`),
    channelTitle: 'Loa — VTV4 & "bạn bè"',
    channelLink: 'https://loa.test/?partner=vtv4&x=1',
    ...overrides,
  };
}

describe('mrssItemXml, read back by feedsmith', () => {
  it('writes a well-formed RSS 2.0 document with the Media RSS namespace', () => {
    const xml = mrssItemXml(input(richArticle()));

    expect(xmlProblems(xml)).toEqual([]);
    expect(xml).toContain('<rss version="2.0"');
    expect(xml).toContain('xmlns:media="http://search.yahoo.com/mrss/"');
  });

  it('describes the channel and exactly one item', () => {
    const feed = parseRssFeed(mrssItemXml(input(richArticle())));

    expect(feed.title).toBe('Loa — VTV4 & "bạn bè"');
    expect(feed.link).toBe('https://loa.test/?partner=vtv4&x=1');
    expect(feed.items).toHaveLength(1);
  });

  it('writes the item fields, Vietnamese and markup characters read back unchanged', () => {
    const article = richArticle();

    const item = parseRssFeed(mrssItemXml(input(article))).items?.[0];

    expectRichArticleItem(item, article);
    expect(item?.pubDate).toBe(new Date(article.approvedAt).toUTCString());
  });

  it('keeps the UTF-8 bytes of Vietnamese text as they are, not as character references', () => {
    const xml = Buffer.from(mrssItemXml(input(richArticle())), 'utf8');

    expect(xml.includes(Buffer.from('Tóm tắt: Hà Giang giới thiệu vùng đất', 'utf8'))).toBe(true);
    expect(xml.includes(Buffer.from('&#'))).toBe(false);
  });

  it('links to the partner’s page when given one instead of the canonical URL', () => {
    const item = parseRssFeed(mrssItemXml(input(richArticle(), { link: 'https://vtv4.vn/bai/1?a=1&b=2' })))
      .items?.[0];

    expect(item?.link).toBe('https://vtv4.vn/bai/1?a=1&b=2');
  });

  it('describes each asset with media:content: url, size, type, dimensions, duration, title, alt text, credit, SHA-256', () => {
    const item = parseRssFeed(mrssItemXml(input(richArticle()))).items?.[0];

    expect(item?.media?.contents).toEqual([
      {
        url: 's3://vtv4-ingest/loa/anh-ky-ket.bin',
        fileSize: 48_213,
        type: 'image/jpeg',
        medium: 'image',
        width: 320,
        height: 184,
        hashes: [{ value: SHA(1), algo: 'sha-256' }],
        title: { value: 'Lễ ký kết <chính thức>', type: 'plain' },
        description: { value: 'Đại diện hai bên ký kết & bắt tay', type: 'plain' },
        credits: [{ value: 'Ảnh: Ban Tuyên giáo Tỉnh ủy Hà Giang' }],
      },
      {
        url: 's3://vtv4-ingest/loa/phong-su.bin',
        fileSize: 48_214,
        type: 'video/mp4',
        medium: 'video',
        // Media RSS durations are whole seconds: 92.5 rounds to 93.
        duration: 93,
        hashes: [{ value: SHA(2), algo: 'sha-256' }],
        title: { value: 'Phóng sự', type: 'plain' },
      },
    ]);
    expect(item?.enclosures).toEqual([
      { url: 's3://vtv4-ingest/loa/anh-ky-ket.bin', length: 48_213, type: 'image/jpeg' },
    ]);
  });

  it('writes an article without media as an item with no enclosure or media:content', () => {
    const xml = mrssItemXml(input(bareArticle()));

    const item = parseRssFeed(xml).items?.[0];

    expect(xmlProblems(xml)).toEqual([]);
    expect(item?.title).toBe('Tin ngắn về Lũng Cú');
    expect(item?.guid?.value).toBe('http://loa.example/articles/tin-ngan/versions/2');
    expect(item?.link).toBeUndefined();
    expect(item?.enclosures).toBeUndefined();
    expect(item?.media).toBeUndefined();
  });

  it('escapes markup, ampersands and quotes in asset titles and credits', () => {
    const base = input(richArticle());
    const media = base.media.map((m) => ({ ...m, title: 'A "b" & <c> ]]>', credit: "D & 'E' <F>" }));

    const xml = mrssItemXml({ ...base, media });

    expect(xmlProblems(xml)).toEqual([]);
    const contents = parseRssFeed(xml).items?.[0]?.media?.contents ?? [];
    expect(contents.map((c) => c.title?.value)).toEqual(['A "b" & <c> ]]>', 'A "b" & <c> ]]>']);
    expect(contents.map((c) => c.credits?.[0]?.value)).toEqual(["D & 'E' <F>", "D & 'E' <F>"]);
  });
});
