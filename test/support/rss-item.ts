import type { parseRssFeed } from 'feedsmith';
import { expect } from 'vitest';
import type { Article } from '#schemas/article.ts';
import { TRICKY_BODY, TRICKY_TITLE } from '#test/fixtures/feed-view.ts';

type RssItem = NonNullable<ReturnType<typeof parseRssFeed>['items']>[number];

/**
 * The rich article's RSS item as feedsmith reads it back, whichever document carries it (a feed page,
 * a broadcast package's MRSS): every text field, Vietnamese and markup characters unchanged.
 */
export function expectRichArticleItem(item: RssItem | undefined, article: Article): void {
  expect(item?.title).toBe(TRICKY_TITLE);
  expect(item?.link).toBe(article.canonicalUrl);
  expect(item?.description).toBe(article.summary);
  expect(item?.content?.encoded).toBe(TRICKY_BODY);
  expect(item?.dc?.creators).toEqual(['Ban Tuyên giáo Tỉnh ủy Hà Giang']);
  expect(item?.dc?.languages).toEqual(['vi']);
  expect(item?.categories).toEqual([{ name: 'culture-tourism' }, { name: 'infrastructure' }]);
  expect(item?.guid).toEqual({
    value: 'http://loa.example/articles/hagiang-ky-ket/versions/1',
    isPermaLink: false,
  });
}
