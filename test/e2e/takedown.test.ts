import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '#domain/delivery.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';

const IMAGE = Buffer.from('bytes of the picture');
const TOPIC = 'ocop-products';
const ARTICLE = 'takedown-article';
const WITHDRAWN_AT = '2026-03-01T07:00:00.000Z';

/** Three partners on one topic: one that accepts, one that always refuses, one flaky on takedowns. */
const PATHS = { happy: '/cms/td-happy', refusing: '/cms/td-refusing', flaky: '/cms/td-flaky' } as const;

let loa: TestLoa;
let partner: Receiver;
const secrets: Record<string, string> = {};

interface Payload {
  type: string;
  data: { uri: string; version: string; pubstatus?: string; articleId?: string; reason?: string };
}

async function agreementFor(agreementId: string, path: string) {
  const res = await postAgreement(loa, {
    agreementId,
    partnerName: 'Báo Hà Giang',
    topics: [TOPIC],
    channels: [{ type: 'webhook', url: `${partner.baseUrl}${path}` }],
  });
  secrets[agreementId] = res.secrets.webhook as string;
}

async function approve(version: number) {
  const article = articleFixture({
    articleId: ARTICLE,
    topics: [TOPIC],
    version,
    title: `Phiên bản ${version}`,
  });
  await loa.approveArticle(article, IMAGE);
  await loa.settled();
}

async function withdraw() {
  await loa.withdrawArticle(ARTICLE, WITHDRAWN_AT, 'sai số liệu');
  await loa.settled();
}

function verified(agreementId: string, path: string): Payload[] {
  const hook = new Webhook(secrets[agreementId] ?? '');
  return partner.to(path).map((p) => hook.verify(p.body, p.headers as Record<string, string>) as Payload);
}

beforeAll(async () => {
  partner = await new Receiver().start();
  loa = await startTestLoa();
  partner.script(PATHS.happy, []);
  partner.script(PATHS.refusing, [], { status: 400, body: 'no' });
  partner.script(PATHS.flaky, []);
  await agreementFor('td-happy', PATHS.happy);
  await agreementFor('td-refusing', PATHS.refusing);
  await agreementFor('td-flaky', PATHS.flaky);
});

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
});

// One story, in order: each step builds on what the partners received before.
describe('takedowns and updates reach every webhook partner', () => {
  it('announces the first version as article.published and a new one as article.updated, same article', async () => {
    await approve(1);
    await approve(2);

    const payloads = verified('td-happy', PATHS.happy);
    expect(payloads.map((p) => [p.type, p.data.version])).toEqual([
      ['article.published', '1'],
      ['article.updated', '2'],
    ]);
    expect(payloads[1]?.data.uri).toBe(payloads[0]?.data.uri);
    expect(verified('td-flaky', PATHS.flaky).map((p) => p.type)).toEqual([
      'article.published',
      'article.updated',
    ]);
  });

  it('sends one signed article.withdrawn, by retry if need be, and nothing to a partner that never had it', async () => {
    const refusedBefore = partner.to(PATHS.refusing).length;
    partner.script(PATHS.flaky, [{ status: 503, headers: { 'retry-after': '0' } }]);

    await withdraw();
    await withdraw();

    const happy = verified('td-happy', PATHS.happy).slice(2);
    expect(happy).toHaveLength(1);
    expect(happy[0]).toMatchObject({
      type: 'article.withdrawn',
      data: { articleId: ARTICLE, version: '2', pubstatus: 'canceled', reason: 'sai số liệu' },
    });
    expect(happy[0]?.data.uri).toBe(verified('td-happy', PATHS.happy)[0]?.data.uri);

    const flaky = partner.to(PATHS.flaky).slice(2);
    expect(flaky).toHaveLength(2);
    expect(flaky[0]?.headers['webhook-id']).toBe(flaky[1]?.headers['webhook-id']);
    expect(verified('td-flaky', PATHS.flaky)[3]?.type).toBe('article.withdrawn');
    const notice = (await loa.deliveriesOf('td-flaky')).find((d) => d.kind === 'withdrawal');
    expect(notice).toMatchObject({ status: 'delivered', attemptCount: 2 });

    expect(partner.to(PATHS.refusing)).toHaveLength(refusedBefore);
    const refused = await loa.deliveriesOf('td-refusing');
    expect(refused.map((d) => d.status).sort()).toEqual(['failed', 'failed']);
  });

  it('refuses to replay a failed delivery of the withdrawn article, so it is never sent', async () => {
    const [failed] = await loa.deliveriesOf('td-refusing');
    const before = partner.to(PATHS.refusing).length;

    const res = await loa.ops('POST', `/ops/deliveries/${failed?.deliveryId}/replay`);
    await loa.settled();

    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ reason: 'article-withdrawn' });
    expect(partner.to(PATHS.refusing)).toHaveLength(before);
  });

  it('refuses a new version of the withdrawn article, naming the withdrawal, and sends nothing', async () => {
    const before = partner.requests.length;

    await approve(3);

    expect(partner.requests).toHaveLength(before);
    const { json } = await loa.ops('GET', '/ops/rejections');
    const problems = (json.items as { problems: string[] }[]).flatMap((r) => r.problems);
    expect(problems).toContain(
      `article ${ARTICLE} was withdrawn at ${WITHDRAWN_AT}; a withdrawn article is not republished`,
    );
    for (const agreementId of ['td-happy', 'td-refusing', 'td-flaky']) {
      expect((await loa.deliveriesOf(agreementId)).some((d) => d.version === 3)).toBe(false);
    }
  });
});

describe('a takedown before the partner got anything', () => {
  it('discards a delivery held for its embargo: it is never sent and nothing stays pending', async () => {
    const path = '/cms/td-held';
    partner.script(path, []);
    await postAgreement(loa, {
      agreementId: 'td-held',
      partnerName: 'Báo Tuyên Quang',
      topics: ['border-security'],
      embargo: 'hold',
      channels: [{ type: 'webhook', url: `${partner.baseUrl}${path}` }],
    });
    const now = Date.now();
    const article = articleFixture({
      articleId: 'held-article',
      topics: ['border-security'],
      approvedAt: new Date(now).toISOString(),
      embargoUntil: new Date(now + 3000).toISOString(),
    });
    await loa.approveArticle(article, IMAGE);
    let held: Delivery[] = [];
    for (let i = 0; i < 100 && held.length === 0; i++) {
      held = await loa.deliveriesOf('td-held');
      if (held.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(held.map((d) => d.status)).toEqual(['pending']);

    await loa.withdrawArticle('held-article', new Date().toISOString());
    await loa.settled();

    expect(partner.to(path)).toEqual([]);
    const after = await loa.deliveriesOf('td-held');
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ status: 'discarded', lastError: 'article withdrawn' });
  });
});
