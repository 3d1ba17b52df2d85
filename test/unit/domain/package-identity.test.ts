import { describe, expect, it } from 'vitest';
import { contentDifferences, textSha256, VersionConflictError } from '#domain/package-identity.ts';

describe('package identity', () => {
  it('hashes the text as bytes: NFC and NFD spellings of a Vietnamese title differ', () => {
    const nfc = { title: 'Hà Giang'.normalize('NFC'), bodyHtml: '<p>x</p>' };
    const nfd = { title: 'Hà Giang'.normalize('NFD'), bodyHtml: '<p>x</p>' };

    expect(textSha256(nfc)).toMatch(/^[0-9a-f]{64}$/);
    expect(textSha256(nfc)).toBe(textSha256({ ...nfc }));
    expect(textSha256(nfc)).not.toBe(textSha256(nfd));
  });

  it('names every part that differs, and none when the content is the same', () => {
    const stored = { title: 'a', body: 'b', 'asset:photo': 'h1' };

    expect(contentDifferences(stored, { ...stored })).toEqual([]);
    expect(contentDifferences(stored, { title: 'a', body: 'B', 'asset:video': 'h2' })).toEqual([
      'asset:photo',
      'asset:video',
      'body',
    ]);
  });

  it('explains a conflict with the article, the version and the parts', () => {
    const error = new VersionConflictError('a1', 3, ['body']);

    expect(error.message).toBe(
      'version-conflict: a1 version 3 is already packaged with other content (differs: body); approve a new version instead',
    );
  });
});
