import { parseJsonFeed } from 'feedsmith';
import { describe, expect, it } from 'vitest';
import { renderJsonFeed } from '#formats/json-feed.ts';
import {
  feedViewFixture,
  richArticle,
  TOMBSTONE,
  TRICKY_BODY,
  TRICKY_TITLE,
} from '#test/fixtures/feed-view.ts';

const asset = (id: string) => `https://loa.test/assets/vtv4/${id}?expires=1750000000&kid=k1&sig=${id}-sig`;

describe('renderJsonFeed, read back by feedsmith', () => {
  it('is JSON Feed 1.1 with title, links and next_url', () => {
    const view = feedViewFixture();
    const json = renderJsonFeed(view);

    const feed = parseJsonFeed(json);

    expect(JSON.parse(json).version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.title).toBe(view.title);
    expect(feed.home_page_url).toBe('https://loa.test');
    expect(feed.feed_url).toBe(view.selfUrl);
    expect(feed.next_url).toBe(view.nextUrl);
    expect(feed.description).toBe(view.description);
  });

  it('writes each item field, Vietnamese and markup characters read back unchanged', () => {
    const article = richArticle();

    const item = parseJsonFeed(renderJsonFeed(feedViewFixture())).items?.[0];

    expect(item).toEqual({
      id: 'http://loa.example/articles/hagiang-ky-ket/versions/1',
      url: article.canonicalUrl,
      title: TRICKY_TITLE,
      content_html: TRICKY_BODY,
      summary: article.summary,
      image: asset('anh-ky-ket'),
      date_published: '2025-06-01T08:00:00.000Z',
      authors: [{ name: 'Ban Tuyên giáo Tỉnh ủy Hà Giang' }],
      tags: ['culture-tourism', 'infrastructure'],
      language: 'vi',
      attachments: [
        {
          url: asset('anh-ky-ket'),
          mime_type: 'image/jpeg',
          title: 'Lễ ký kết <chính thức>',
          size_in_bytes: 48_213,
        },
        {
          url: asset('phong-su'),
          mime_type: 'video/mp4',
          title: 'Phóng sự',
          size_in_bytes: 48_214,
          duration_in_seconds: 92.5,
        },
      ],
    });
  });

  it('writes raw UTF-8, not \\u escapes', () => {
    const json = Buffer.from(renderJsonFeed(feedViewFixture()), 'utf8');

    expect(json.includes(Buffer.from('Tin ngắn về Lũng Cú', 'utf8'))).toBe(true);
    expect(json.includes(Buffer.from('\\u'))).toBe(false);
  });

  it('keeps a withdrawn item, under its id, as a tombstone with pubStatus canceled', () => {
    const json = renderJsonFeed(feedViewFixture());

    const parsed = parseJsonFeed(json).items?.[2];
    const raw = JSON.parse(json).items[2];

    expect(parsed).toEqual({
      id: TOMBSTONE.id,
      content_text: 'Withdrawn: take this item down.',
      date_published: TOMBSTONE.publishedAt,
      date_modified: TOMBSTONE.withdrawnAt,
    });
    expect(raw._loa).toEqual({ pubStatus: 'canceled', withdrawnAt: TOMBSTONE.withdrawnAt });
    expect(raw).not.toHaveProperty('title');
  });

  it('marks live items usable in its extension', () => {
    const raw = JSON.parse(renderJsonFeed(feedViewFixture())).items[0];

    expect(raw._loa).toEqual({ pubStatus: 'usable', articleId: 'hagiang-ky-ket', version: '1' });
  });

  it('writes nothing for what an item does not have', () => {
    const item = parseJsonFeed(renderJsonFeed(feedViewFixture())).items?.[1];

    expect(Object.keys(item ?? {}).sort()).toEqual(
      ['content_html', 'date_published', 'id', 'language', 'tags', 'title'].sort(),
    );
  });
});
