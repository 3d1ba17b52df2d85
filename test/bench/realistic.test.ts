import { describe, expect, it } from 'vitest';
import { Article } from '#schemas/article.ts';
import { LONG_TITLE, realisticArticle } from '../../bench/realistic.ts';

describe('the realistic article of the requests part', () => {
  const now = new Date('2026-12-05T09:00:00.000Z');
  const article = realisticArticle('main-0', ['culture-tourism'], now);

  it('has a 150-character Vietnamese title (NFC, with diacritics), a summary and three assets', () => {
    expect(LONG_TITLE.length).toBe(150);
    expect(LONG_TITLE.normalize('NFC')).toBe(LONG_TITLE);
    expect(Buffer.byteLength(LONG_TITLE)).toBeGreaterThan(150);
    expect(article.title).toBe(LONG_TITLE);
    expect(article.summary.length).toBeGreaterThan(100);
    expect(new Set(article.assets.map((a) => a.assetId)).size).toBe(3);
  });

  it('carries an embargo that ended before now, after the approval: valid, and released at once', () => {
    expect(() => Article.parse(article)).not.toThrow();
    expect(Date.parse(article.embargoUntil ?? '')).toBeLessThan(now.getTime());
    expect(Date.parse(article.embargoUntil ?? '')).toBeGreaterThan(Date.parse(article.approvedAt));
  });
});
