import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '#schemas/article.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { Receiver } from '#test/support/receiver.ts';

let loa: TestLoa;
let partner: Receiver;

const agreementBody = (overrides: Record<string, unknown> = {}) => ({
  agreementId: 'steady-partner',
  partner: { partnerId: 'steady', name: 'Báo Nhân Dân' },
  validFrom: '2024-01-01',
  validTo: '2099-12-31',
  topics: ['culture-tourism'],
  languages: ['vi'],
  channels: [{ type: 'webhook', url: `${partner.baseUrl}/cms` }],
  ...overrides,
});

const approval = (article: unknown) => ({
  source: SOURCE.cms,
  detailType: DETAIL_TYPE.contentApproved,
  detail: { article },
});

beforeAll(async () => {
  partner = await new Receiver().start();
  partner.script('/cms', []);
  loa = await startTestLoa();
  expect((await loa.ops('POST', '/ops/agreements', agreementBody())).status).toBe(201);
});

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
});

describe('the ops API refuses bad input with the field at fault', () => {
  it('answers 401 without the ops token and with a wrong one', async () => {
    expect((await fetch(`${loa.baseUrl}/ops/agreements`)).status).toBe(401);
    const wrong = await fetch(`${loa.baseUrl}/ops/agreements`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await loa.ops('POST', '/ops/agreements', '{"partner": ');
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/not valid JSON/);
  });

  it('answers 400 for an empty body', async () => {
    const res = await loa.ops('POST', '/ops/agreements', '');
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/empty/);
  });

  it('answers 413 for a body over the documented limit', async () => {
    const res = await loa.ops('POST', '/ops/agreements', agreementBody({ topics: ['x'.repeat(70 * 1024)] }));
    expect(res.status).toBe(413);
  });

  it('names each field that fails the schema', async () => {
    const res = await loa.ops(
      'POST',
      '/ops/agreements',
      agreementBody({
        agreementId: 'other',
        validTo: '2020-01-01',
        channels: [{ type: 'webhook', url: 'ftp://x' }],
      }),
    );
    expect(res.status).toBe(400);
    expect(res.json.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^channels\.0\.url: /),
        expect.stringMatching(/^validTo: /),
      ]),
    );
  });

  it('refuses NFD text in an agreement', async () => {
    const res = await loa.ops(
      'POST',
      '/ops/agreements',
      agreementBody({ agreementId: 'nfd', partner: { partnerId: 'nfd', name: 'Hà Giang'.normalize('NFD') } }),
    );
    expect(res.status).toBe(400);
    expect(res.json.problems).toEqual([expect.stringMatching(/^partner\.name: .*NFC/)]);
  });

  it('answers 404 for an unknown agreement and 409 for a taken id, keeping the original', async () => {
    expect((await loa.ops('GET', '/ops/agreements/no-such-agreement/deliveries')).status).toBe(404);
    const taken = await loa.ops('POST', '/ops/agreements', agreementBody({ topics: ['border-security'] }));
    expect(taken.status).toBe(409);
    const kept = await loa.ops('GET', '/ops/agreements/steady-partner');
    expect(kept.json.topics).toEqual(['culture-tourism']);
  });

  it('answers 400 for an unknown status filter', async () => {
    const res = await loa.ops('GET', '/ops/agreements/steady-partner/deliveries?status=lost');
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/status/);
  });
});

describe('bad bus events are recorded as rejections and never stop good ones', () => {
  it('records each bad approval with the field at fault and still delivers the good one beside it', async () => {
    const good = articleFixture({ articleId: 'good-article', topics: ['culture-tourism'] });
    await loa.upload(good.assets[0]?.uri.replace('s3://loa-content/', '') ?? '', 'image');
    const bad = {
      nfd: articleFixture({ articleId: 'nfd-article', title: 'Hà Giang'.normalize('NFD') }),
      traversal: articleFixture({
        articleId: 'traversal-article',
        assets: [{ assetId: 'a', uri: 's3://loa-content/../secrets/key.jpg', mimeType: 'image/jpeg' }],
      }),
      absolute: articleFixture({
        articleId: 'absolute-article',
        assets: [{ assetId: 'a', uri: 's3://loa-content//etc/passwd', mimeType: 'image/jpeg' }],
      }),
      emptyBody: articleFixture({ articleId: 'empty-article', bodyHtml: '' }),
      missingAsset: articleFixture({ articleId: 'missing-asset-article', topics: ['culture-tourism'] }),
    };

    const results = await loa.putEvents([
      approval(bad.nfd),
      approval(bad.traversal),
      approval(good),
      approval(bad.absolute),
      approval(bad.emptyBody),
      approval(bad.missingAsset),
      {
        source: SOURCE.cms,
        detailType: DETAIL_TYPE.contentApproved,
        detail: { article: { articleId: 'x' } },
      },
    ]);
    expect(results.every((r) => r.EventId)).toBe(true);
    await loa.settled();

    const { json } = await loa.ops('GET', '/ops/rejections');
    const problems = (json.items as { problems: string[] }[]).flatMap((r) => r.problems);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^detail\.article\.title: .*NFC/),
        expect.stringMatching(/^detail\.article\.assets\.0\.uri: .*'\.\.'/),
        expect.stringMatching(/^detail\.article\.bodyHtml: must not be empty/),
        expect.stringMatching(/^asset s3:\/\/loa-content\/test\/missing-asset-article\/.* does not exist$/),
        expect.stringMatching(/^detail\.article\.version: /),
      ]),
    );
    expect(json.items.length).toBeGreaterThanOrEqual(6);
    const deliveries = await loa.ops('GET', '/ops/agreements/steady-partner/deliveries');
    expect(deliveries.json.items.map((d: { articleId: string }) => d.articleId)).toEqual(['good-article']);
    expect(deliveries.json.items[0].status).toBe('delivered');
  });

  it('refuses at PutEvents an entry over 256 KiB and a Detail that is not JSON, accepting the rest', async () => {
    const huge = articleFixture({
      articleId: 'huge-article',
      bodyHtml: `<p>${'ạ'.repeat(MAX_BODY_BYTES)}</p>`,
    });
    const results = await loa.putEvents([
      approval(huge),
      { source: SOURCE.cms, detailType: DETAIL_TYPE.contentApproved, detail: '{not json' },
      approval(articleFixture({ articleId: 'fine-article', topics: ['border-security'] })),
    ]);
    expect(results[0]).toMatchObject({ ErrorCode: expect.any(String) });
    expect(results[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(results[2]).toHaveProperty('EventId');
  });

  it('records a body over the documented limit that fits the bus', async () => {
    const big = articleFixture({
      articleId: 'big-article',
      bodyHtml: `<p>${'a'.repeat(MAX_BODY_BYTES)}</p>`,
    });
    await loa.putEvents([approval(big)]);
    await loa.settled();
    const { json } = await loa.ops('GET', '/ops/rejections');
    expect((json.items as { problems: string[] }[]).flatMap((r) => r.problems)).toContainEqual(
      expect.stringMatching(/^detail\.article\.bodyHtml: .*bytes/),
    );
  });

  it('loses nothing already stored', async () => {
    const agreement = await loa.ops('GET', '/ops/agreements/steady-partner');
    expect(agreement.status).toBe(200);
    const deliveries = await loa.ops('GET', '/ops/agreements/steady-partner/deliveries?status=delivered');
    expect(deliveries.json.items).toHaveLength(1);
  });
});
