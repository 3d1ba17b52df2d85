import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3PackageStore } from '#adapters/aws/s3-package-store.ts';
import { type PackageDeps, packageArticle } from '#app/package-article.ts';
import { MissingAssetError } from '#domain/errors.ts';
import { textSha256, VersionConflictError } from '#domain/package-identity.ts';
import { parseS3Href } from '#formats/s3-href.ts';
import type { Article } from '#schemas/article.ts';
import { ContentApproved, type OutgoingEvent, PackageReady } from '#schemas/events.ts';
import { validateNinjs } from '#test/support/ninjs-validator.ts';
import { type LocalS3, startS3 } from '#test/support/s3.ts';

const CONTENT = 'loa-content';
const PACKAGES = 'loa-packages';
const NOW = new Date('2024-02-17T03:00:00.000Z');
const events = new URL('../../events/', import.meta.url);
const jpeg = readFileSync(new URL('assets/ky-ket-vtv4.jpg', events));

const sample = (): Article =>
  ContentApproved.parse(JSON.parse(readFileSync(new URL('content-approved.vi.json', events), 'utf8')).Detail)
    .article;

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startS3();
  await s3.createBucket(CONTENT);
  await s3.createBucket(PACKAGES);
  await s3.client.send(
    new PutObjectCommand({
      Bucket: CONTENT,
      Key: 'hagiang/2024/ky-ket-vtv4.jpg',
      Body: jpeg,
      ContentType: 'image/jpeg',
    }),
  );
});

afterAll(async () => {
  await s3?.stop();
});

function setup() {
  const published: OutgoingEvent[][] = [];
  const deps: PackageDeps = {
    packages: new S3PackageStore({ s3: s3.client, bucket: PACKAGES }),
    publisher: { publish: vi.fn(async (batch: OutgoingEvent[]) => void published.push(batch)) },
    clock: { now: () => NOW },
    logger: new Logger({ logLevel: 'SILENT' }),
  };
  return { deps, published };
}

async function getBytes(bucket: string, key: string) {
  const res = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { bytes: Buffer.from((await res.Body?.transformToByteArray()) ?? []), contentType: res.ContentType };
}

const prefix = 'packages/hagiang-vtv4-ky-ket-2024/v1';

describe('packageArticle against s3rver', () => {
  it('copies each asset into the package with identical bytes', async () => {
    const { deps } = setup();

    await packageArticle(deps, sample());

    const copy = await getBytes(PACKAGES, `${prefix}/assets/ky-ket-vtv4/ky-ket-vtv4.jpg`);
    expect(copy.bytes.equals(jpeg)).toBe(true);
  });

  it('writes a valid ninjs manifest keeping the Vietnamese text byte for byte', async () => {
    const { deps } = setup();
    const article = sample();

    await packageArticle(deps, article);

    const stored = await getBytes(PACKAGES, `${prefix}/ninjs.json`);
    const doc = JSON.parse(stored.bytes.toString('utf8'));
    expect(stored.contentType).toBe('application/json; charset=utf-8');
    expect(validateNinjs(doc)).toEqual([]);
    expect(stored.bytes.includes(Buffer.from(article.title, 'utf8'))).toBe(true);
    expect(stored.bytes.includes(Buffer.from(article.bodyHtml, 'utf8'))).toBe(true);
    expect(doc.associations[0].renditions[0]).toMatchObject({
      href: `s3://${PACKAGES}/${prefix}/assets/ky-ket-vtv4/ky-ket-vtv4.jpg`,
      sizeinbytes: jpeg.length,
    });
  });

  it('announces PackageReady with what routing needs and returns it', async () => {
    const { deps, published } = setup();
    const article = sample();

    const ready = await packageArticle(deps, article);

    const expected = {
      articleId: 'hagiang-vtv4-ky-ket-2024',
      version: 1,
      language: 'vi',
      topics: article.topics,
      title: article.title,
      manifest: { bucket: PACKAGES, key: `${prefix}/ninjs.json` },
      // The SHA-256 of the manifest's bytes as stored: route reads them back and compares.
      manifestSha256: createHash('sha256')
        .update(await deps.packages.getManifest(`${prefix}/ninjs.json`), 'utf8')
        .digest('hex'),
      assetIds: ['ky-ket-vtv4'],
      packagedAt: NOW.toISOString(),
    };
    expect(ready).toEqual(expected);
    expect(published).toEqual([[{ source: 'loa.package', detailType: 'PackageReady', detail: expected }]]);
    expect(PackageReady.safeParse(published[0]?.[0]?.detail).success).toBe(true);
  });

  it('carries the embargo into PackageReady', async () => {
    const { deps } = setup();
    // A version of its own: a package is immutable, and v1 is packaged without the embargo above.
    const article = { ...sample(), version: 5, embargoUntil: '2024-02-18T00:00:00+07:00' };

    const ready = await packageArticle(deps, article);

    expect(ready.embargoUntil).toBe('2024-02-18T00:00:00+07:00');
  });

  it('throws MissingAssetError naming the bucket and key, and announces nothing', async () => {
    const { deps, published } = setup();
    const article = sample();
    article.assets = [
      { assetId: 'khong-co', uri: `s3://${CONTENT}/hagiang/2024/khong-co.jpg`, mimeType: 'image/jpeg' },
    ];

    const run = packageArticle(deps, article);

    await expect(run).rejects.toThrow(MissingAssetError);
    await expect(run).rejects.toThrow(`s3://${CONTENT}/hagiang/2024/khong-co.jpg`);
    expect(published).toEqual([]);
  });

  it('can be repeated for the same version: same keys, same manifest, announced again', async () => {
    const { deps, published } = setup();
    const article = sample();
    await packageArticle(deps, article);
    const first = await getBytes(PACKAGES, `${prefix}/ninjs.json`);

    const again = await packageArticle(deps, article);

    const second = await getBytes(PACKAGES, `${prefix}/ninjs.json`);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(published).toHaveLength(2);
    expect(published[1]?.[0]?.detail).toEqual(again);
  });

  it('records the SHA-256 and size of every asset and a hash of the text, still valid ninjs 2.1', async () => {
    const { deps } = setup();
    const article = sample();
    await packageArticle(deps, article);

    const doc = JSON.parse(await deps.packages.getManifest(`${prefix}/ninjs.json`));

    const photo = doc.associations.find((a: { name: string }) => a.name === 'ky-ket-vtv4');
    expect(photo.renditions[0].sizeinbytes).toBe(jpeg.length);
    expect(photo.altids).toContainEqual({
      role: 'loa:sha256',
      value: createHash('sha256').update(jpeg).digest('hex'),
    });
    expect(doc.altids).toContainEqual({ role: 'loa:textSha256', value: textSha256(article) });
    expect(validateNinjs(doc)).toEqual([]);
  });

  it('refuses the same version approved again with other content, naming what differs, and changes nothing', async () => {
    const { deps, published } = setup();
    const article = sample();
    await packageArticle(deps, article);
    const before = await getBytes(PACKAGES, `${prefix}/ninjs.json`);
    const changed = { ...article, title: `${article.title} (sửa)`, topics: ['environment-climate'] };

    const run = packageArticle(deps, changed);

    await expect(run).rejects.toThrow(VersionConflictError);
    await expect(run).rejects.toThrow('differs: title, topics');
    expect((await getBytes(PACKAGES, `${prefix}/ninjs.json`)).bytes.equals(before.bytes)).toBe(true);
    expect(published).toHaveLength(1);
  });

  it('refuses a re-approval whose asset bytes changed under the same version, naming the asset', async () => {
    const { deps } = setup();
    const key = 'hagiang/2024/doi-anh.jpg';
    await s3.client.send(new PutObjectCommand({ Bucket: CONTENT, Key: key, Body: jpeg }));
    const article = { ...sample(), version: 8 };
    article.assets = [{ assetId: 'doi-anh', uri: `s3://${CONTENT}/${key}`, mimeType: 'image/jpeg' }];
    await packageArticle(deps, article);
    await s3.client.send(
      new PutObjectCommand({ Bucket: CONTENT, Key: key, Body: Buffer.from('other bytes') }),
    );

    const run = packageArticle(deps, article);

    await expect(run).rejects.toThrow('differs: asset:doi-anh');
    const copy = await getBytes(PACKAGES, 'packages/hagiang-vtv4-ky-ket-2024/v8/assets/doi-anh/doi-anh.jpg');
    expect(copy.bytes.equals(jpeg)).toBe(true);
  });

  it('copies a source key with spaces and Vietnamese letters', async () => {
    // s3rver decodes x-amz-copy-source with decodeURI, so reserved characters such as '+' are
    // exercised against the mocked client in s3-package-store.faults.test.ts instead.
    const { deps } = setup();
    const key = 'hagiang/2024/ảnh ký kết (bản gốc).jpg';
    await s3.client.send(new PutObjectCommand({ Bucket: CONTENT, Key: key, Body: jpeg }));
    // A version of its own: v1 is packaged with other assets, and a package is immutable.
    const article = { ...sample(), version: 6 };
    const v6 = 'packages/hagiang-vtv4-ky-ket-2024/v6';
    article.assets = [{ assetId: 'ban-goc', uri: `s3://${CONTENT}/${key}`, mimeType: 'image/jpeg' }];

    await packageArticle(deps, article);

    const copy = await getBytes(PACKAGES, `${v6}/assets/ban-goc/ảnh ký kết (bản gốc).jpg`);
    expect(copy.bytes.equals(jpeg)).toBe(true);
    const doc = JSON.parse(await deps.packages.getManifest(`${v6}/ninjs.json`));
    expect(validateNinjs(doc)).toEqual([]);
    // The href is percent-encoded to stay a valid URI; readers get the real key back with parseS3Href.
    expect(parseS3Href(doc.associations[0].renditions[0].href)).toEqual({
      bucket: PACKAGES,
      key: `${v6}/assets/ban-goc/ảnh ký kết (bản gốc).jpg`,
    });
  });

  it('hands out a presigned link that downloads the manifest', async () => {
    const { deps } = setup();
    await packageArticle(deps, sample());

    const url = await deps.packages.presignGet(`${prefix}/ninjs.json`, 300);
    const res = await fetch(url);

    expect(res.status).toBe(200);
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('300');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(
      (await getBytes(PACKAGES, `${prefix}/ninjs.json`)).bytes,
    );
  });
});
