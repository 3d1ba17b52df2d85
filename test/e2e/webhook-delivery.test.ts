import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { articleFixture } from '#test/fixtures/articles.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';

const IMAGE = Buffer.from('not really a jpeg, but bytes the partner must get back exactly: Hà Giang');

let loa: TestLoa;
let partner: Receiver;

/** Creates an agreement through the ops API whose webhook points at `path` on the partner. */
async function agreementFor(agreementId: string, path: string, topics = ['infrastructure']) {
  const res = await postAgreement(loa, {
    agreementId,
    partnerName: 'Đài Truyền hình Việt Nam',
    topics,
    channels: [{ type: 'webhook', url: `${partner.baseUrl}${path}` }],
  });
  return { agreement: res.agreement, secret: res.secrets.webhook as string };
}

/** Uploads the article's asset and approves it through the real EventBridge client. */
async function approve(articleId: string, topics = ['infrastructure']) {
  const article = articleFixture({ articleId, topics });
  const entries = await loa.approveArticle(article, IMAGE);
  expect(entries[0]).toHaveProperty('EventId');
  return article;
}

beforeAll(async () => {
  partner = await new Receiver().start();
  loa = await startTestLoa();
});

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
});

describe('an approved article reaches a partner web CMS', () => {
  it('posts exactly once, signed, with the article and a working asset link, and records delivered', async () => {
    const path = '/cms/happy';
    partner.script(path, []);
    const { secret } = await agreementFor('happy-partner', path);

    const article = await approve('happy-article');
    await loa.settled();

    const posts = partner.to(path);
    expect(posts).toHaveLength(1);
    const post = posts[0];
    if (!post) throw new Error('no POST');
    const payload = new Webhook(secret).verify(post.body, post.headers as Record<string, string>) as {
      type: string;
      data: {
        headlines: { value: string }[];
        bodies: { value: string }[];
        associations: { renditions: { href: string }[] }[];
      };
    };
    expect(payload.type).toBe('article.published');
    expect(
      Buffer.from(payload.data.headlines[0]?.value ?? '', 'utf8').equals(Buffer.from(article.title, 'utf8')),
    ).toBe(true);
    expect(payload.data.bodies[0]?.value).toBe(article.bodyHtml);

    const link = payload.data.associations[0]?.renditions[0]?.href ?? '';
    expect(link.startsWith(`${loa.baseUrl}/assets/happy-partner/`)).toBe(true);
    const asset = await fetch(link);
    expect(asset.status).toBe(200);
    expect(Buffer.from(await asset.arrayBuffer()).equals(IMAGE)).toBe(true);
    for (const altered of [
      link.replace('kid=k1', 'kid=%6B1'),
      link.replace(/sig=.(.*)$/, 'sig=A$1'),
      `${link}&x=1`,
    ]) {
      const refused = await fetch(altered, { redirect: 'manual' });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('location')).toBeNull();
    }

    const [delivery] = await loa.deliveriesOf('happy-partner');
    expect(delivery).toMatchObject({ articleId: 'happy-article', status: 'delivered', attemptCount: 1 });
    expect(delivery?.attempts[0]).toMatchObject({
      n: 1,
      outcome: 'delivered',
      httpStatus: 200,
      trigger: 'scheduled',
    });
  });

  it('recovers by retry from a partner that answers 503 twice, keeping the same webhook-id', async () => {
    const path = '/cms/flaky';
    partner.script(path, [{ status: 503 }, { status: 503, headers: { 'retry-after': '0' } }]);
    await agreementFor('flaky-partner', path, ['ocop-products']);

    await approve('flaky-article', ['ocop-products']);
    await loa.settled();

    const posts = partner.to(path);
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.headers['webhook-id'])).size).toBe(1);
    const [delivery] = await loa.deliveriesOf('flaky-partner');
    expect(delivery?.status).toBe('delivered');
    expect(delivery?.attempts.map((a) => a.httpStatus)).toEqual([503, 503, 200]);
  });

  it('fails on a 400 without retrying, and a replay after the partner is fixed delivers', async () => {
    const path = '/cms/refusing';
    partner.script(path, [], { status: 400, body: 'bad payload' });
    await agreementFor('refusing-partner', path, ['border-security']);

    await approve('refused-article', ['border-security']);
    await loa.settled();
    const [failed] = await loa.deliveriesOf('refusing-partner');
    expect(failed).toMatchObject({ status: 'failed', attemptCount: 1, lastError: 'HTTP 400' });
    expect(partner.to(path)).toHaveLength(1);

    partner.script(path, [], { status: 204 });
    const replay = await loa.ops('POST', `/ops/deliveries/${failed?.deliveryId}/replay`);
    expect(replay.status).toBe(202);
    await loa.settled();

    const [replayed] = await loa.deliveriesOf('refusing-partner');
    expect(replayed).toMatchObject({ status: 'delivered', attemptCount: 2, replayCount: 1 });
    expect(replayed?.attempts[1]).toMatchObject({ trigger: 'manual', outcome: 'delivered' });
    const posts = partner.to(path);
    expect(posts[1]?.headers['webhook-id']).toBe(posts[0]?.headers['webhook-id']);
    const audit = await loa.ops('GET', '/ops/replays');
    expect(audit.json.items).toContainEqual(
      expect.objectContaining({
        replayId: replay.json.replay.replayId,
        deliveryIds: [failed?.deliveryId],
        requestedBy: 'local-ops-token',
      }),
    );
  });

  it('refuses to replay a delivery that is not finished, or twice at once', async () => {
    const [delivered] = await loa.deliveriesOf('happy-partner');
    const [first, second] = await Promise.all([
      loa.ops('POST', `/ops/deliveries/${delivered?.deliveryId}/replay`),
      loa.ops('POST', `/ops/deliveries/${delivered?.deliveryId}/replay`),
    ]);
    expect([first.status, second.status].sort()).toEqual([202, 409]);
    await loa.settled();
    const missing = await loa.ops('POST', '/ops/deliveries/dlv_unknown/replay');
    expect(missing.status).toBe(404);
  });

  it('creates one delivery when the same approval is sent twice', async () => {
    const path = '/cms/twice';
    partner.script(path, []);
    await agreementFor('twice-partner', path, ['environment-climate']);

    await approve('twice-article', ['environment-climate']);
    await approve('twice-article', ['environment-climate']);
    await loa.settled();

    expect(await loa.deliveriesOf('twice-partner')).toHaveLength(1);
    expect(partner.to(path)).toHaveLength(1);
  });
});
