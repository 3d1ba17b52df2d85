import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PackagedAsset, toNinjs, withAssetHrefs } from '#formats/ninjs.ts';
import { type Article, parseS3Uri } from '#schemas/article.ts';
import { ContentApproved } from '#schemas/events.ts';
import { validateNinjs } from '#test/support/ninjs-validator.ts';

const sample = (name: string): Article =>
  ContentApproved.parse(
    JSON.parse(readFileSync(new URL(`../../../events/${name}`, import.meta.url), 'utf8')).Detail,
  ).article;

const packaged = (article: Article): PackagedAsset[] =>
  article.assets.map((asset, i) => ({
    ...asset,
    key: `packages/${article.articleId}/v${article.version}/assets/${asset.assetId}/${parseS3Uri(asset.uri)?.key.split('/').at(-1)}`,
    sizeBytes: 1000 + i,
  }));

const hrefToS3 = { assetHref: (a: PackagedAsset) => `s3://loa-packages/${a.key}` };

describe('toNinjs', () => {
  it.each([
    'content-approved.vi.json',
    'content-approved.en.json',
    'content-approved.vi.v2.json',
    'content-approved.vi.en-translation.json',
  ])('produces valid ninjs 2.1 for %s', (file) => {
    const article = sample(file);

    const doc = toNinjs(article, packaged(article), hrefToS3);

    expect(validateNinjs(doc)).toEqual([]);
  });

  it('is checked by a validator that does refuse a malformed document', () => {
    const article = sample('content-approved.vi.json');
    const doc = { ...toNinjs(article, packaged(article), hrefToS3), version: article.version };

    expect(validateNinjs(doc)).not.toEqual([]);
  });

  it('keeps Vietnamese text byte for byte through JSON serialisation', () => {
    const article = sample('content-approved.vi.json');

    const json = Buffer.from(JSON.stringify(toNinjs(article, packaged(article), hrefToS3)), 'utf8');
    const back = JSON.parse(json.toString('utf8'));

    expect(Buffer.from(back.headlines[0].value, 'utf8')).toEqual(Buffer.from(article.title, 'utf8'));
    expect(Buffer.from(back.descriptions[0].value, 'utf8')).toEqual(Buffer.from(article.summary, 'utf8'));
    expect(Buffer.from(back.bodies[0].value, 'utf8')).toEqual(Buffer.from(article.bodyHtml, 'utf8'));
    expect(back.associations[0].descriptions[0].value).toBe(article.assets[0]?.altText);
    // Raw UTF-8 in the file, not \u escapes: partners reading bytes see the same text.
    expect(json.includes(Buffer.from(article.bodyHtml, 'utf8'))).toBe(true);
  });

  it('maps the article fields partners route and display on', () => {
    const article = sample('content-approved.vi.json');

    const doc = toNinjs(article, packaged(article), hrefToS3);

    expect(doc).toMatchObject({
      uri: 'http://loa.example/articles/hagiang-vtv4-ky-ket-2024',
      type: 'text',
      version: '1',
      versioncreated: article.approvedAt,
      language: 'vi',
      pubstatus: 'usable',
      by: article.byline,
      bodies: [{ role: 'main', contenttype: 'text/html', value: article.bodyHtml }],
    });
    expect(doc.subjects).toContainEqual({
      uri: 'http://loa.example/topics/ocop-products',
      name: 'ocop-products',
    });
    expect(doc.subjects).toHaveLength(article.topics.length);
  });

  it('states the embargo when the article has one', () => {
    const article = { ...sample('content-approved.en.json'), embargoUntil: '2024-03-06T00:00:00+07:00' };

    const doc = toNinjs(article, packaged(article), hrefToS3);

    expect(doc.embargoed).toBe('2024-03-06T00:00:00+07:00');
    expect(validateNinjs(doc)).toEqual([]);
  });

  it('has no embargoed field when the article is not embargoed', () => {
    const article = sample('content-approved.en.json');

    const doc = toNinjs(article, packaged(article), hrefToS3);

    expect(doc).not.toHaveProperty('embargoed');
  });

  it('lists each asset as an association named by its assetId, with one rendition', () => {
    const article = sample('content-approved.vi.json');
    const assets = packaged(article);

    const doc = toNinjs(article, assets, hrefToS3);

    expect(doc.associations).toEqual([
      expect.objectContaining({
        name: 'ky-ket-vtv4',
        type: 'picture',
        by: 'Ảnh: Ban Tuyên giáo Tỉnh ủy Hà Giang',
        renditions: [
          {
            name: 'original',
            href: `s3://loa-packages/${assets[0]?.key}`,
            contenttype: 'image/jpeg',
            width: 320,
            height: 184,
            sizeinbytes: 1000,
          },
        ],
      }),
    ]);
  });

  it('types video and document assets and keeps a duration', () => {
    const base = sample('content-approved.en.json');
    const article: Article = {
      ...base,
      assets: [
        { assetId: 'clip', uri: 's3://loa-content/a/clip.mp4', mimeType: 'video/mp4', durationSeconds: 92.5 },
        { assetId: 'brief', uri: 's3://loa-content/a/brief.pdf', mimeType: 'application/pdf' },
      ],
    };

    const doc = toNinjs(article, packaged(article), hrefToS3);

    expect(doc.associations?.map((a) => a.type)).toEqual(['video', 'component']);
    expect(doc.associations?.[0]?.renditions[0]?.duration).toBe(92.5);
    expect(validateNinjs(doc)).toEqual([]);
  });

  it('omits associations for an article without assets', () => {
    const article = { ...sample('content-approved.en.json'), assets: [] };

    const doc = toNinjs(article, [], hrefToS3);

    expect(doc).not.toHaveProperty('associations');
    expect(validateNinjs(doc)).toEqual([]);
  });
});

describe('withAssetHrefs', () => {
  it('replaces every rendition link and leaves the original document untouched', () => {
    const article = sample('content-approved.vi.json');
    const doc = toNinjs(article, packaged(article), hrefToS3);
    const before = structuredClone(doc);

    const signed = withAssetHrefs(doc, (assetId) => `https://loa.example/assets/vtv4/${assetId}?sig=abc`);

    expect(signed.associations?.[0]?.renditions[0]?.href).toBe(
      'https://loa.example/assets/vtv4/ky-ket-vtv4?sig=abc',
    );
    expect(doc).toEqual(before);
    expect(validateNinjs(signed)).toEqual([]);
  });

  it('changes nothing but the links', () => {
    const article = sample('content-approved.vi.json');
    const doc = toNinjs(article, packaged(article), hrefToS3);

    const signed = withAssetHrefs(doc, () => 'https://loa.example/x');

    expect({ ...signed, associations: undefined }).toEqual({ ...doc, associations: undefined });
  });
});
