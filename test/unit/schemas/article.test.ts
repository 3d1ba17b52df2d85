import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { Article, MAX_BODY_BYTES } from '#schemas/article.ts';
import { ContentApproved, ContentWithdrawn } from '#schemas/events.ts';
import { describeIssues } from '#schemas/issues.ts';

const eventsDir = new URL('../../../events/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, eventsDir), 'utf8');
const samples = readdirSync(eventsDir).filter((f) => f.endsWith('.json'));
const schemaFor: Record<string, z.ZodType> = {
  ContentApproved: ContentApproved,
  ContentWithdrawn: ContentWithdrawn,
};

/** A fresh copy of the Vietnamese sample's article, safe to change. */
const article = (): Record<string, unknown> & { assets: Record<string, unknown>[] } =>
  structuredClone(JSON.parse(read('content-approved.vi.json')).Detail.article);

type Draft = ReturnType<typeof article>;
const set = (field: string, value: unknown) => (a: Draft) => {
  a[field] = value;
};
const setUri = (uri: string) => (a: Draft) => {
  a.assets[0] = { ...a.assets[0], uri };
};

/** The problems zod reports, as operators see them. */
function problems(input: unknown): string[] {
  const result = Article.safeParse(input);
  return result.success ? [] : describeIssues(result.error);
}

describe('sample events', () => {
  it('include both languages, an updated version, a translation and a withdrawal', () => {
    expect(samples).toEqual(
      expect.arrayContaining([
        'content-approved.vi.json',
        'content-approved.en.json',
        'content-approved.vi.v2.json',
        'content-approved.vi.en-translation.json',
        'content-withdrawn.json',
      ]),
    );
  });

  it('have the updated version supersede the first (same article, higher version) and the translation name it', () => {
    const [v1, v2, en] = [
      'content-approved.vi.json',
      'content-approved.vi.v2.json',
      'content-approved.vi.en-translation.json',
    ].map((f) => JSON.parse(read(f)).Detail.article);

    expect([v2.articleId, v2.version]).toEqual([v1.articleId, v1.version + 1]);
    expect([en.language, en.translationOf]).toEqual(['en', v1.articleId]);
    expect(en.articleId).not.toBe(v1.articleId);
  });

  it.each(samples)('%s parses against the schema of its detail-type', (file) => {
    const event = JSON.parse(read(file));

    const result = schemaFor[event.DetailType]?.safeParse(event.Detail);

    expect(event.Source).toBe('loa.cms');
    expect(result?.success ? [] : result?.error.issues).toEqual([]);
  });

  it.each(samples)('%s is Unicode NFC', (file) => {
    const text = read(file);

    expect(text === text.normalize('NFC')).toBe(true);
  });
});

describe('Article schema refuses, naming the field', () => {
  const bodyOverLimit = 'ạ'.repeat(Math.ceil((MAX_BODY_BYTES + 1) / 3));
  const nfdTitle = 'Hà Giang'.normalize('NFD');

  it('is given an NFD title that really differs from its NFC form', () => {
    expect(nfdTitle).not.toBe('Hà Giang');
    // The oversized body is under the character limit: only a byte count can catch it.
    expect(bodyOverLimit.length).toBeLessThan(MAX_BODY_BYTES);
  });

  const cases: [string, string, (a: Draft) => void][] = [
    ['an asset key with ..', 'assets.0.uri', setUri('s3://loa-content/hagiang/../secrets/key.pem')],
    ['an absolute key after the bucket', 'assets.0.uri', setUri('s3://loa-content//etc/passwd')],
    ['a leading-slash path instead of an s3 URI', 'assets.0.uri', setUri('/etc/passwd')],
    ['an NFD title', 'title', set('title', nfdTitle)],
    ['a control character in the title', 'title', set('title', 'Hà Giang\u0007')],
    ['a NUL in the body', 'bodyHtml', set('bodyHtml', '<p>Hà\u0000Giang</p>')],
    ['an empty body', 'bodyHtml', set('bodyHtml', '')],
    ['a body over MAX_BODY_BYTES of UTF-8', 'bodyHtml', set('bodyHtml', bodyOverLimit)],
    ['a language that is not a BCP 47 tag', 'language', set('language', 'Tiếng Việt')],
    [
      'a duplicated assetId',
      'assets.1.assetId',
      (a) => void a.assets.push({ ...a.assets[0], uri: 's3://loa-content/hagiang/2024/khac.jpg' }),
    ],
  ];

  it.each(cases)('%s (%s)', (_what, field, spoil) => {
    const input = article();
    spoil(input);

    const found = problems(input);

    expect(found.length).toBeGreaterThan(0);
    expect(
      found.every((p) => p.startsWith(`${field}: `)),
      found.join('\n'),
    ).toBe(true);
  });

  it('accepts the unspoiled sample, so the refusals above come from the change alone', () => {
    expect(problems(article())).toEqual([]);
  });
});
