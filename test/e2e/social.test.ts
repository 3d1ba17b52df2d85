import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SocialFakes, startSocialFakes } from '#infra/local/demo.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';

const IMAGE = Buffer.from('bytes of the picture');
const TOPIC = 'xay-dung-dang';
const ARTICLE = 'social-article';
const CANONICAL = 'https://hagiang.gov.vn/tin-tuc/social-article';
const TOKENS = { x: 'x-user-token-123456', facebook: 'EAAfakePageToken', zalo: 'zalo-fake-oa-token' };
const PAGE = '1000000001';

let loa: TestLoa;
let social: SocialFakes;

async function approve(articleId: string, version: number, title: string, topic = TOPIC) {
  const article = articleFixture({
    articleId,
    topics: [topic],
    version,
    title,
    summary: 'Tỉnh Hà Giang đẩy mạnh tuyên truyền về xây dựng Đảng và hệ thống chính trị.',
    canonicalUrl: CANONICAL,
  });
  await loa.approveArticle(article, IMAGE);
  await loa.settled();
}

async function withdraw(articleId: string) {
  await loa.withdrawArticle(articleId, '2026-03-01T07:00:00.000Z', 'sai số liệu');
  await loa.settled();
}

const remoteIdOf = async (agreementId: string, channelId: string, version: number) =>
  (await loa.deliveriesOf(agreementId)).find(
    (d) => d.channelId === channelId && d.version === version && d.kind !== 'withdrawal',
  )?.remoteId;

beforeAll(async () => {
  social = await startSocialFakes(TOKENS, PAGE);
  loa = await startTestLoa();
  await postAgreement(loa, {
    agreementId: 'vtv4-social',
    partnerId: 'vtv4',
    partnerName: 'VTV4 — Kênh truyền hình đối ngoại',
    topics: [TOPIC],
    channels: social.channels(),
  });
});

afterAll(async () => {
  await loa?.close();
  await social?.close();
});

describe('social accounts set up through the ops API', () => {
  it('keeps credentials in the secret store only: never in the agreement, the answer or the table', async () => {
    const { json, text } = await loa.ops('GET', '/ops/agreements/vtv4-social');

    for (const token of Object.values(TOKENS)) expect(text).not.toContain(token);
    expect(json.channels.map((c: { network: string }) => c.network)).toEqual(['x', 'facebook', 'zalo']);
    const secrets = await readFile(join(loa.dataDir, 'secrets.json'), 'utf8');
    for (const token of Object.values(TOKENS)) expect(secrets).toContain(token);
  });
});

// One story, in order: each step builds on what the accounts show after the one before.
describe('an article on X, a Facebook page and a Zalo OA', () => {
  it('posts the first version on each network and stores each post id on its delivery', async () => {
    await approve(ARTICLE, 1, 'Hà Giang phát huy sức mạnh khối đại đoàn kết toàn dân tộc');

    const xId = await remoteIdOf('vtv4-social', 'x', 1);
    const fbId = await remoteIdOf('vtv4-social', 'facebook', 1);
    const zaloId = await remoteIdOf('vtv4-social', 'zalo', 1);
    expect(social.x.posts.get(xId ?? '')?.text).toContain(
      'Hà Giang phát huy sức mạnh khối đại đoàn kết toàn dân tộc',
    );
    expect(social.x.posts.get(xId ?? '')?.text).toContain('#XayDungDang');
    expect(social.facebook.posts.get(fbId ?? '')).toMatchObject({ link: CANONICAL });
    expect(social.zalo.articles.get(zaloId ?? '')?.title).toBe(
      'Hà Giang phát huy sức mạnh khối đại đoàn kết toàn dân tộc',
    );
  });

  it("gives the Zalo article the article's picture as its cover, through a signed URL that serves its bytes", async () => {
    const zaloId = await remoteIdOf('vtv4-social', 'zalo', 1);
    const cover = social.zalo.articles.get(zaloId ?? '')?.cover as { photo_url: string } | undefined;

    const res = await fetch(cover?.photo_url ?? 'http://127.0.0.1:9/none');

    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(IMAGE)).toBe(true);
  });

  it('corrects a new version per network: an X reply, a Facebook repost, the Zalo article updated in place', async () => {
    const before = {
      x: await remoteIdOf('vtv4-social', 'x', 1),
      facebook: await remoteIdOf('vtv4-social', 'facebook', 1),
      zalo: await remoteIdOf('vtv4-social', 'zalo', 1),
    };

    await approve(ARTICLE, 2, 'Hà Giang phát huy sức mạnh đại đoàn kết (cập nhật số liệu)');

    const reply = social.x.posts.get((await remoteIdOf('vtv4-social', 'x', 2)) ?? '');
    expect(reply).toMatchObject({ inReplyTo: before.x });
    expect(reply?.text.startsWith('Cập nhật: ')).toBe(true);
    expect(social.facebook.posts.has(before.facebook ?? '')).toBe(false);
    expect(social.facebook.posts.size).toBe(1);
    expect(await remoteIdOf('vtv4-social', 'zalo', 2)).toBe(before.zalo);
    expect(social.zalo.articles.get(before.zalo ?? '')).toMatchObject({
      title: 'Hà Giang phát huy sức mạnh đại đoàn kết (cập nhật số liệu)',
      updates: 1,
    });
  });

  it('deletes every post the accounts show for the article when it is withdrawn, as tracked deliveries', async () => {
    await withdraw(ARTICLE);

    expect(social.x.posts.size).toBe(0);
    expect(social.facebook.posts.size).toBe(0);
    expect(social.zalo.articles.size).toBe(0);
    const notices = (await loa.deliveriesOf('vtv4-social')).filter((d) => d.kind === 'withdrawal');
    expect(notices.map((d) => [d.channelId, d.status]).sort()).toEqual([
      ['facebook', 'delivered'],
      ['x', 'delivered'],
      ['zalo', 'delivered'],
    ]);
  });
});

describe('a takedown that follows a failed delivery', () => {
  it('fails a post X keeps refusing, then withdraws it without a request to X and keeps the others', async () => {
    await postAgreement(loa, {
      agreementId: 'social-failing',
      partnerId: 'bao-tuyen-quang',
      partnerName: 'Báo Tuyên Quang',
      topics: ['le-hoi'],
      channels: social.channels(),
    });
    // Four attempts (the test policy's) all answered 503: the X delivery fails.
    social.x.script({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });
    await approve('failing-article', 1, 'Tuyên Quang khai mạc lễ hội', 'le-hoi');
    const [post] = (await loa.deliveriesOf('social-failing')).filter((d) => d.channelId === 'x');
    expect(post).toMatchObject({ status: 'failed', attemptCount: 4 });
    const xRequests = social.x.requests.length;

    await withdraw('failing-article');

    expect(social.x.requests).toHaveLength(xRequests);
    const after = await loa.deliveriesOf('social-failing');
    expect(
      after
        .filter((d) => d.kind === 'withdrawal')
        .map((d) => d.channelId)
        .sort(),
    ).toEqual(['facebook', 'zalo']);
    expect(social.facebook.posts.size).toBe(0);
    expect(social.zalo.articles.size).toBe(0);
  });
});
