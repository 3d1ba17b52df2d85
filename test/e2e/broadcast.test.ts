import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeIngest, type FakeIngestRequest, startFakeIngest } from '#infra/local/fakes/ingest.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { validateNewsMl } from '#test/support/newsml-validator.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';

const IMAGE = Buffer.from('bytes of the picture sent to the broadcaster');
const IMAGE_SHA256 = createHash('sha256').update(IMAGE).digest('hex');
const TOPIC = 'culture-tourism';
const ARTICLE = 'broadcast-article';
const TITLE_V1 = 'Đồng Văn đón 1,5 triệu lượt khách: Hà Giang khẳng định thương hiệu “Cực Bắc Tổ quốc”';
const TITLE_V2 = 'Đồng Văn đón 1,6 triệu lượt khách (cập nhật số liệu của Sở Văn hóa, Thể thao và Du lịch)';
const BUCKET = 'vtv4-ingest';
const WITHDRAWN_AT = '2026-03-01T07:00:00.000Z';

let loa: TestLoa;
/** VTV4's ingest: every PUT must carry a signature made with the channel's secret. */
let ingest: FakeIngest;
/** Another broadcaster's ingest, which refuses every PUT. */
let refusing: FakeIngest;
const secrets: Record<string, string> = {};

async function createAgreement(agreementId: string, topic: string, httpUrl: string, prefix: string) {
  const res = await postAgreement(loa, {
    agreementId,
    partnerName: 'VTV4 — Kênh truyền hình đối ngoại',
    topics: [topic],
    channels: [
      { type: 'broadcast', channelId: 'ingest-http', target: 'http', url: httpUrl },
      { type: 'broadcast', channelId: 'ingest-s3', target: 's3', bucket: BUCKET, prefix },
    ],
  });
  secrets[agreementId] = res.secrets['ingest-http'] as string;
}

async function approve(articleId: string, version: number, title: string, topic = TOPIC) {
  const article = articleFixture({ articleId, topics: [topic], version, title });
  await loa.approveArticle(article, IMAGE);
  await loa.settled();
}

async function withdraw(articleId: string) {
  await loa.withdrawArticle(articleId, WITHDRAWN_AT, 'sai số liệu');
  await loa.settled();
}

/** Checks a PUT's Standard Webhooks signature with the reference library, not Loa's own code. */
function signatureVerifies(secret: string, r: FakeIngestRequest): boolean {
  const id = String(r.headers['webhook-id']);
  const timestamp = new Date(Number(r.headers['webhook-timestamp']) * 1000);
  // XML is signed over its body; streamed media over `PUT <url path> <content-length>`.
  const content = r.text ?? `PUT ${r.url} ${r.sizeBytes}`;
  const expected = new Webhook(secret).sign(id, timestamp, content);
  return String(r.headers['webhook-signature']).split(' ').includes(expected);
}

const requestsUnder = (fake: FakeIngest, dir: string) => fake.requests.filter((r) => r.path.startsWith(dir));

async function s3Object(key: string) {
  const out = await loa.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  return { bytes, text: bytes.toString('utf8'), contentType: out.ContentType };
}

async function s3Keys(prefix: string): Promise<string[]> {
  const out = await loa.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
}

/** What a NewsML-G2 newsItem says, read with plain patterns (the XSD check is separate). */
function newsItem(xml: string) {
  const root = /<newsItem\b[^>]*>/.exec(xml)?.[0] ?? '';
  const media = [...xml.matchAll(/<remoteContent\b([^>]*)>\s*<hash\b[^>]*>([^<]*)<\/hash>/g)].map((m) => ({
    href: /\bhref="([^"]*)"/.exec(m[1] ?? '')?.[1],
    size: Number(/\bsize="(\d+)"/.exec(m[1] ?? '')?.[1]),
    sha256: m[2],
  }));
  return {
    guid: /\bguid="([^"]*)"/.exec(root)?.[1],
    version: /\bversion="([^"]*)"/.exec(root)?.[1],
    pubStatus: /<pubStatus qcode="([^"]*)"/.exec(xml)?.[1],
    headline: /<headline>([^<]*)<\/headline>/.exec(xml)?.[1],
    media,
  };
}

async function expectValid(xml: string | undefined) {
  const result = await validateNewsMl(xml ?? '');
  expect(result.errors).toEqual([]);
}

const deliveryOf = async (agreementId: string, channelId: string, articleId: string, version: number) =>
  (await loa.deliveriesOf(agreementId)).find(
    (d) =>
      d.channelId === channelId &&
      d.articleId === articleId &&
      d.version === version &&
      (d.kind ?? 'publish') === 'publish',
  );

beforeAll(async () => {
  [ingest, refusing] = await Promise.all([
    startFakeIngest({ secret: async () => secrets['vtv4-broadcast'] }),
    startFakeIngest({ secret: async () => secrets['broadcast-refused'] }),
  ]);
  loa = await startTestLoa();
  await loa.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await createAgreement('vtv4-broadcast', TOPIC, ingest.baseUrl, 'loa/');
}, 60_000);

afterAll(async () => {
  await loa?.close();
  await Promise.all([ingest?.close(), refusing?.close()]);
});

// One story, in order: each step builds on what the broadcaster holds after the one before.
describe('an article pushed to a broadcaster over HTTP and to its S3 bucket', () => {
  const dir = `${ARTICLE}/v1`;

  it('pushes v1 to both targets, media before newsml.xml, signed, with hashes, valid NewsML-G2 and the exact title', async () => {
    await approve(ARTICLE, 1, TITLE_V1);

    // HTTP: the media first, newsml.xml last, each PUT signed with the agreement's secret.
    const puts = requestsUnder(ingest, `${dir}/`);
    const paths = puts.map((r) => r.path);
    expect(paths).toHaveLength(3);
    expect(paths[0]).toMatch(new RegExp(`^${dir}/media/[^/]+\\.jpg$`));
    expect(paths.slice(1)).toEqual([`${dir}/item.rss`, `${dir}/newsml.xml`]);
    expect(puts.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(puts.every((r) => r.verified === true)).toBe(true);
    expect(puts.every((r) => signatureVerifies(secrets['vtv4-broadcast'] ?? '', r))).toBe(true);
    const otherSecret = `whsec_${randomBytes(32).toString('base64')}`;
    expect(puts.some((r) => signatureVerifies(otherSecret, r))).toBe(false);
    const httpMedia = ingest.files.get(paths[0] ?? '');
    expect(httpMedia).toMatchObject({ sizeBytes: IMAGE.length, sha256: IMAGE_SHA256 });
    expect(await readFile(httpMedia?.file ?? '')).toEqual(IMAGE);

    // S3: the same package under the channel's prefix, each object with its content type.
    const keys = await s3Keys(`loa/${dir}/`);
    expect(keys).toHaveLength(3);
    const mediaKey = keys.find((k) => k.startsWith(`loa/${dir}/media/`)) ?? '';
    expect(keys).toEqual([`loa/${dir}/item.rss`, mediaKey, `loa/${dir}/newsml.xml`].sort());
    const s3Media = await s3Object(mediaKey);
    expect(s3Media.bytes).toEqual(IMAGE);
    expect(s3Media.contentType).toBe('image/jpeg');
    expect((await s3Object(`loa/${dir}/item.rss`)).contentType).toBe('application/rss+xml; charset=utf-8');
    const s3NewsMl = await s3Object(`loa/${dir}/newsml.xml`);
    expect(s3NewsMl.contentType).toBe('application/vnd.iptc.g2.newsitem+xml; charset=utf-8');

    // Each target's newsml.xml: valid, listing the bytes uploaded, with the title byte for byte.
    const httpXml = ingest.files.get(`${dir}/newsml.xml`)?.text ?? '';
    for (const [xml, mediaHref] of [
      [httpXml, `${ingest.baseUrl}/${paths[0]}`],
      [s3NewsMl.text, `s3://${BUCKET}/${mediaKey}`],
    ] as const) {
      await expectValid(xml);
      const item = newsItem(xml);
      expect(item).toMatchObject({ version: '1', pubStatus: 'stat:usable' });
      expect(item.media).toEqual([{ href: mediaHref, size: IMAGE.length, sha256: IMAGE_SHA256 }]);
      expect(Buffer.from(item.headline ?? '', 'utf8').equals(Buffer.from(TITLE_V1, 'utf8'))).toBe(true);
    }
    expect(s3NewsMl.bytes.includes(Buffer.from(`<headline>${TITLE_V1}</headline>`, 'utf8'))).toBe(true);
    expect(newsItem(httpXml).guid).toBe(newsItem(s3NewsMl.text).guid);

    // Each delivery names where its newsml.xml is.
    expect(await deliveryOf('vtv4-broadcast', 'ingest-http', ARTICLE, 1)).toMatchObject({
      status: 'delivered',
      remoteId: `${ingest.baseUrl}/${dir}/newsml.xml`,
    });
    expect(await deliveryOf('vtv4-broadcast', 'ingest-s3', ARTICLE, 1)).toMatchObject({
      status: 'delivered',
      remoteId: `s3://${BUCKET}/loa/${dir}/newsml.xml`,
    });
  });

  it('pushes an updated version as a newsItem with the same guid and version 2, keeping v1', async () => {
    const guid = newsItem(ingest.files.get(`${dir}/newsml.xml`)?.text ?? '').guid;
    expect(guid).toBeTruthy();

    await approve(ARTICLE, 2, TITLE_V2);

    const httpXml = ingest.files.get(`${ARTICLE}/v2/newsml.xml`)?.text;
    const s3Xml = (await s3Object(`loa/${ARTICLE}/v2/newsml.xml`)).text;
    for (const xml of [httpXml ?? '', s3Xml]) {
      await expectValid(xml);
      expect(newsItem(xml)).toMatchObject({
        guid,
        version: '2',
        pubStatus: 'stat:usable',
        headline: TITLE_V2,
      });
    }
    expect(ingest.files.has(`${dir}/newsml.xml`)).toBe(true);
    expect(await deliveryOf('vtv4-broadcast', 'ingest-http', ARTICLE, 2)).toMatchObject({
      status: 'delivered',
      supersedes: { version: 1 },
    });
  });

  it('pushes a kill notice to both targets on withdrawal: same guid, stat:canceled, version 3, as tracked deliveries', async () => {
    const guid = newsItem(ingest.files.get(`${dir}/newsml.xml`)?.text ?? '').guid;
    const before = ingest.requests.length;

    await withdraw(ARTICLE);

    const puts = ingest.requests.slice(before);
    expect(puts.map((r) => [r.path, r.status])).toEqual([[`${ARTICLE}/v2/newsml-canceled.xml`, 201]]);
    expect(signatureVerifies(secrets['vtv4-broadcast'] ?? '', puts[0] as FakeIngestRequest)).toBe(true);
    const s3Kill = await s3Object(`loa/${ARTICLE}/v2/newsml-canceled.xml`);
    expect(s3Kill.contentType).toBe('application/vnd.iptc.g2.newsitem+xml; charset=utf-8');
    for (const xml of [puts[0]?.text ?? '', s3Kill.text]) {
      await expectValid(xml);
      expect(newsItem(xml)).toMatchObject({ guid, version: '3', pubStatus: 'stat:canceled', media: [] });
      expect(xml).toContain('sai số liệu');
    }

    const notices = (await loa.deliveriesOf('vtv4-broadcast')).filter((d) => d.kind === 'withdrawal');
    expect(notices.map((d) => [d.channelId, d.articleId, d.status]).sort()).toEqual([
      ['ingest-http', ARTICLE, 'delivered'],
      ['ingest-s3', ARTICLE, 'delivered'],
    ]);
  });
});

describe('a takedown that follows a failed delivery', () => {
  it('fails the publish an ingest refuses with 400, then sends it no kill notice and still tells the bucket', async () => {
    await createAgreement('broadcast-refused', 'border-security', refusing.baseUrl, 'refused/');
    refusing.fail(...Array.from({ length: 8 }, () => ({ kind: 'status' as const, status: 400 })));

    await approve('refused-article', 1, 'Hà Giang tăng cường bảo vệ đường biên, mốc giới', 'border-security');

    expect(await deliveryOf('broadcast-refused', 'ingest-http', 'refused-article', 1)).toMatchObject({
      status: 'failed',
      attemptCount: 1,
    });
    expect(await deliveryOf('broadcast-refused', 'ingest-s3', 'refused-article', 1)).toMatchObject({
      status: 'delivered',
    });
    const requests = refusing.requests.length;
    expect(requests).toBeGreaterThan(0);

    await withdraw('refused-article');

    expect(refusing.requests).toHaveLength(requests);
    const notices = (await loa.deliveriesOf('broadcast-refused')).filter((d) => d.kind === 'withdrawal');
    expect(notices.map((d) => [d.channelId, d.status])).toEqual([['ingest-s3', 'delivered']]);
    expect(await s3Keys('refused/refused-article/v1/newsml-canceled.xml')).toEqual([
      'refused/refused-article/v1/newsml-canceled.xml',
    ]);
  });
});

describe('a retried broadcast', () => {
  it('pushes the whole package again after a 503 with Retry-After: 0 on newsml.xml, delivered on attempt 2', async () => {
    const dir = 'retried-article/v1';
    ingest.fail({ kind: 'status', status: 503, headers: { 'retry-after': '0' }, on: 'newsml.xml' });

    await approve('retried-article', 1, 'Lễ hội Khèn Môn Hà Giang lần thứ nhất');

    expect(await deliveryOf('vtv4-broadcast', 'ingest-http', 'retried-article', 1)).toMatchObject({
      status: 'delivered',
      attemptCount: 2,
      remoteId: `${ingest.baseUrl}/${dir}/newsml.xml`,
    });
    const puts = requestsUnder(ingest, `${dir}/`);
    const mediaPath = puts[0]?.path ?? '';
    expect(mediaPath.startsWith(`${dir}/media/`)).toBe(true);
    expect(puts.map((r) => [r.path, r.status])).toEqual([
      [mediaPath, 201],
      [`${dir}/item.rss`, 201],
      [`${dir}/newsml.xml`, 503],
      [mediaPath, 200],
      [`${dir}/item.rss`, 200],
      [`${dir}/newsml.xml`, 201],
    ]);
    expect(puts.every((r) => signatureVerifies(secrets['vtv4-broadcast'] ?? '', r))).toBe(true);

    // The partner holds the complete package: the media's bytes, and a newsml.xml that lists them.
    expect([...ingest.files.keys()].filter((p) => p.startsWith(`${dir}/`)).sort()).toEqual(
      [mediaPath, `${dir}/item.rss`, `${dir}/newsml.xml`].sort(),
    );
    expect(await readFile(ingest.files.get(mediaPath)?.file ?? '')).toEqual(IMAGE);
    const xml = ingest.files.get(`${dir}/newsml.xml`)?.text ?? '';
    await expectValid(xml);
    expect(newsItem(xml).media).toEqual([
      { href: `${ingest.baseUrl}/${mediaPath}`, size: IMAGE.length, sha256: IMAGE_SHA256 },
    ]);
  });
});
