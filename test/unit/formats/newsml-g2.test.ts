import { describe, expect, it } from 'vitest';
import {
  type BroadcastMedia,
  type NewsItemInput,
  newsItemGuid,
  newsItemXml,
  SHA256_HASHTYPE_URI,
} from '#formats/newsml-g2.ts';
import type { Article } from '#schemas/article.ts';
import { bareArticle, richArticle, TRICKY_BODY, TRICKY_TITLE } from '#test/fixtures/feed-view.ts';
import { packagedManifest, pushedMedia, SHA } from '#test/support/broadcast-media.ts';
import { validateNewsMl } from '#test/support/newsml-validator.ts';
import { xmlProblems } from '#test/support/xml-well-formed.ts';

/** The assets as the broadcast adapter pushed them: partner-side hrefs, sizes and digests. */
const mediaOf = (article: Article) =>
  pushedMedia(article, (assetId) => `https://ingest.vtv4.test/loa/${assetId}?v=1&kind="orig"`);

function publishInput(article: Article, overrides: Partial<NewsItemInput> = {}): NewsItemInput {
  const manifest = packagedManifest(article);
  return {
    manifest,
    media: mediaOf(article),
    pubStatus: 'usable',
    version: article.version,
    versionCreated: manifest.versioncreated,
    provider: 'Ban Tuyên giáo Tỉnh ủy Hà Giang',
    ...overrides,
  };
}

const fromXml = (s: string) =>
  s
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#9;', '\t')
    .replaceAll('&#10;', '\n')
    .replaceAll('&#13;', '\r')
    .replaceAll('&amp;', '&');

/** Text of every `<name …>text</name>` (no nested markup), unescaped. */
const texts = (xml: string, name: string) =>
  [...xml.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`, 'g'))].map((m) =>
    fromXml(m[1] ?? ''),
  );

/** Attributes of every `<name …>` start tag, unescaped. */
const attrsOf = (xml: string, name: string) =>
  [...xml.matchAll(new RegExp(`<${name}((?:\\s+[\\w:]+="[^"]*")*)\\s*/?>`, 'g'))].map((m) =>
    Object.fromEntries(
      [...(m[1] ?? '').matchAll(/([\w:]+)="([^"]*)"/g)].map((a) => [a[1], fromXml(a[2] ?? '')]),
    ),
  );

const between = (xml: string, name: string) =>
  xml.match(new RegExp(`<${name}[ >][\\s\\S]*?</${name}>`))?.[0] ?? '';

describe('newsItemXml', () => {
  it('writes a Vietnamese article with an image and a video that IPTC’s NewsML-G2 2.35 schema accepts', async () => {
    const xml = newsItemXml(publishInput(richArticle()));

    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    expect(xmlProblems(xml)).toEqual([]);
  });

  it('is checked by a validator that does refuse an item the schema forbids', async () => {
    const xml = newsItemXml(publishInput(richArticle())).replace(' standard="NewsML-G2"', '');

    const result = await validateNewsMl(xml);

    expect(result.valid).toBe(false);
    expect(result.errors.join('\n')).toContain("The attribute 'standard' is required but missing");
  });

  it('identifies the item: IPTC namespace, guid, version, language, power conformance', () => {
    const input = publishInput(richArticle());

    const root = attrsOf(newsItemXml(input), 'newsItem')[0];

    expect(root).toEqual({
      xmlns: 'http://iptc.org/std/nar/2006-10-01/',
      guid: 'http://loa.example/articles/hagiang-ky-ket',
      version: '1',
      standard: 'NewsML-G2',
      standardversion: '2.35',
      conformance: 'power',
      'xml:lang': 'vi',
    });
  });

  it('writes itemMeta: text item class, provider, version time, usable, link to the web version', () => {
    const input = publishInput(richArticle());

    const meta = between(newsItemXml(input), 'itemMeta');

    expect(attrsOf(meta, 'itemClass')).toEqual([{ qcode: 'ninat:text' }]);
    expect(attrsOf(meta, 'provider')).toEqual([{ literal: 'Ban Tuyên giáo Tỉnh ủy Hà Giang' }]);
    expect(texts(meta, 'name')).toEqual(['Ban Tuyên giáo Tỉnh ủy Hà Giang']);
    expect(texts(meta, 'versionCreated')).toEqual([input.manifest.versioncreated]);
    expect(attrsOf(meta, 'pubStatus')).toEqual([{ qcode: 'stat:usable' }]);
    expect(attrsOf(meta, 'link')).toEqual([
      {
        rel: 'irel:seeAlso',
        href: 'https://hagiang.gov.vn/tin-tuc/ky-ket?ma=1&lang=vi',
        contenttype: 'text/html',
      },
    ]);
    expect(meta).not.toContain('<embargoed');
    expect(meta).not.toContain('<edNote');
  });

  it('writes contentMeta: language, a subject per topic, headline, summary, byline, credit', () => {
    const input = publishInput(richArticle());

    const meta = between(newsItemXml(input), 'contentMeta');

    expect(attrsOf(meta, 'language')).toEqual([{ tag: 'vi' }]);
    expect(attrsOf(meta, 'subject')).toEqual([
      { type: 'cpnat:abstract', uri: 'http://loa.example/topics/culture-tourism' },
      { type: 'cpnat:abstract', uri: 'http://loa.example/topics/infrastructure' },
    ]);
    expect(texts(meta, 'name')).toEqual(['culture-tourism', 'infrastructure']);
    expect(texts(meta, 'headline')).toEqual([TRICKY_TITLE]);
    expect(attrsOf(meta, 'description')).toEqual([{ role: 'drol:summary' }]);
    expect(texts(meta, 'description')).toEqual([
      'Tóm tắt: Hà Giang giới thiệu vùng đất, con người tới bạn bè quốc tế & người Việt ở nước ngoài.',
    ]);
    expect(texts(meta, 'by')).toEqual(['Ban Tuyên giáo Tỉnh ủy Hà Giang']);
    expect(texts(meta, 'creditline')).toEqual(['Ban Tuyên giáo Tỉnh ủy Hà Giang']);
    expect(texts(meta, 'contentModified')).toEqual([input.manifest.versioncreated]);
  });

  it('keeps the UTF-8 bytes of the Vietnamese headline and body exactly, not as character references', () => {
    const xml = newsItemXml(publishInput(richArticle()));

    const headline = texts(between(xml, 'contentMeta'), 'headline')[0] ?? '';

    expect(Buffer.from(headline, 'utf8').equals(Buffer.from(TRICKY_TITLE, 'utf8'))).toBe(true);
    expect(Buffer.from(xml, 'utf8').includes(Buffer.from('Ban Tuyên giáo Tỉnh ủy Hà Giang', 'utf8'))).toBe(
      true,
    );
    expect(xml).not.toContain('&#');
  });

  it('carries the body HTML as escaped text/html inlineData, read back unchanged', () => {
    const xml = newsItemXml(publishInput(richArticle()));

    expect(attrsOf(xml, 'inlineData')).toEqual([{ contenttype: 'text/html', 'xml:lang': 'vi' }]);
    expect(texts(xml, 'inlineData')).toEqual([TRICKY_BODY]);
  });

  it('describes each asset as remoteContent with href, size, type, dimensions, duration and SHA-256', () => {
    const input = publishInput(richArticle());

    const xml = newsItemXml(input);

    expect(attrsOf(xml, 'remoteContent')).toEqual([
      {
        id: 'asset-anh-ky-ket',
        href: 'https://ingest.vtv4.test/loa/anh-ky-ket?v=1&kind="orig"',
        size: '48213',
        contenttype: 'image/jpeg',
        title: 'Lễ ký kết <chính thức>',
        width: '320',
        height: '184',
      },
      {
        id: 'asset-phong-su',
        href: 'https://ingest.vtv4.test/loa/phong-su?v=1&kind="orig"',
        size: '48214',
        contenttype: 'video/mp4',
        title: 'Phóng sự',
        duration: '92.5',
        durationunit: 'timeunit:seconds',
      },
    ]);
    expect(attrsOf(xml, 'hash')).toEqual([
      { hashtypeuri: SHA256_HASHTYPE_URI },
      { hashtypeuri: SHA256_HASHTYPE_URI },
    ]);
    expect(texts(xml, 'hash')).toEqual([SHA(1), SHA(2)]);
  });

  it('attaches an asset’s credit and alternative text to its rendition through partMeta', () => {
    const xml = newsItemXml(publishInput(richArticle()));

    const part = between(xml, 'partMeta');

    expect(attrsOf(part, 'partMeta')).toEqual([{ contentrefs: 'asset-anh-ky-ket', seq: '1' }]);
    expect(texts(part, 'creditline')).toEqual(['Ảnh: Ban Tuyên giáo Tỉnh ủy Hà Giang']);
    expect(texts(part, 'description')).toEqual(['Đại diện hai bên ký kết & bắt tay']);
    // The video has neither, so it has no partMeta.
    expect(xml.match(/<partMeta/g)).toHaveLength(1);
  });

  it('gives asset ids that are not XML names an ID that still validates and stays distinct', async () => {
    const article = richArticle();
    const input = publishInput(article);
    const media = [
      { ...input.media[0], assetId: '1 ảnh/ký' },
      { ...input.media[1], assetId: '1_ảnh_ký' },
    ] as BroadcastMedia[];

    const xml = newsItemXml({ ...input, media });

    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    const ids = attrsOf(xml, 'remoteContent').map((a) => a.id);
    expect(new Set(ids).size).toBe(2);
  });

  it('writes an article without media as a valid item with the body and no remoteContent', async () => {
    const article = bareArticle();

    const xml = newsItemXml(publishInput(article));

    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    expect(attrsOf(xml, 'newsItem')[0]?.version).toBe('2');
    expect(xml).not.toContain('<remoteContent');
    expect(xml).not.toContain('<partMeta');
    expect(xml).not.toContain('<description');
    expect(xml).not.toContain('<link');
    expect(texts(xml, 'headline')).toEqual(['Tin ngắn về Lũng Cú']);
  });

  it('puts an embargo in itemMeta, where 2.35 has it, and stays valid', async () => {
    const article = { ...richArticle(), embargoUntil: '2025-06-02T01:00:00Z' };

    const xml = newsItemXml(publishInput(article));

    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    expect(texts(between(xml, 'itemMeta'), 'embargoed')).toEqual(['2025-06-02T01:00:00Z']);
  });

  it('writes a kill notice: same guid, next version, stat:canceled, the reason, headline, no content', async () => {
    const article = { ...richArticle(), embargoUntil: '2025-06-02T01:00:00Z' };
    const published = publishInput(article);
    const input = publishInput(article, {
      pubStatus: 'canceled',
      version: 2,
      versionCreated: '2025-06-03T09:00:00Z',
      note: 'Rút bài theo yêu cầu của "Ban biên tập" <sai số liệu> & đính chính',
    });

    const xml = newsItemXml(input);

    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    const root = attrsOf(xml, 'newsItem')[0];
    expect(root?.guid).toBe(attrsOf(newsItemXml(published), 'newsItem')[0]?.guid);
    expect(root?.version).toBe('2');
    const meta = between(xml, 'itemMeta');
    expect(attrsOf(meta, 'pubStatus')).toEqual([{ qcode: 'stat:canceled' }]);
    expect(texts(meta, 'versionCreated')).toEqual(['2025-06-03T09:00:00Z']);
    expect(texts(meta, 'edNote')).toEqual([input.note]);
    expect(meta).not.toContain('<embargoed');
    expect(texts(xml, 'headline')).toEqual([TRICKY_TITLE]);
    expect(xml).not.toContain('<contentSet');
    expect(xml).not.toContain('<partMeta');
    expect(xml).not.toContain('<subject');
  });

  it('escapes markup, ampersands and quotes in every text and attribute, and reads them back unchanged', async () => {
    const input = publishInput(richArticle(), { provider: 'Báo "Hà Giang" & <Đài> PT-TH' });
    const media = input.media.map((m) => ({ ...m, title: `Ảnh "đẹp" & <b>rõ</b> ]]> '${m.assetId}'` }));

    const xml = newsItemXml({ ...input, media });

    expect(xmlProblems(xml)).toEqual([]);
    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    expect(attrsOf(xml, 'provider')[0]?.literal).toBe('Báo "Hà Giang" & <Đài> PT-TH');
    expect(texts(xml, 'creditline')).toContain('Báo "Hà Giang" & <Đài> PT-TH');
    expect(attrsOf(xml, 'remoteContent').map((a) => a.title)).toEqual(media.map((m) => m.title));
  });

  it('refuses a version that is not a positive integer, as the schema would', () => {
    expect(() => newsItemXml(publishInput(richArticle(), { version: 0 }))).toThrow(
      'NewsML-G2 version must be an integer ≥ 1, got 0',
    );
  });
});

describe('newsItemGuid', () => {
  it('is the same for every version of an article and differs between articles', () => {
    const v1 = packagedManifest(richArticle());
    const v2 = packagedManifest({ ...richArticle(), version: 2, title: 'Bản sửa' });

    expect(newsItemGuid(v1)).toBe('http://loa.example/articles/hagiang-ky-ket');
    expect(newsItemGuid(v2)).toBe(newsItemGuid(v1));
    expect(newsItemGuid(packagedManifest(bareArticle()))).not.toBe(newsItemGuid(v1));
  });
});
