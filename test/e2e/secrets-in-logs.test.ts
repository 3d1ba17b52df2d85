/**
 * Secrets never reach the logs: a full run (agreements with generated and given secrets, signed
 * deliveries, retries, a failure, a replay, feed URLs, refused requests; social posts and a broadcast
 * ingest configured through the ops API, published, retried, refused and withdrawn) at DEBUG, with
 * everything written to stdout and stderr captured, holds no webhook or signing secret, feed key,
 * network token or ops token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedKeyOf } from '#app/feed-keys.ts';
import { channelSigningSecrets } from '#app/rotate-secret.ts';
import { MASTER_FEED_KEY_REF, MASTER_SIGNING_KEY_REF, type MasterKey } from '#domain/signing-keys.ts';
import { socialChannel } from '#infra/local/demo.ts';
import { type FakeFacebook, startFakeFacebook } from '#infra/local/fakes/facebook.ts';
import { type FakeIngest, startFakeIngest } from '#infra/local/fakes/ingest.ts';
import { type FakeX, startFakeX } from '#infra/local/fakes/x.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { afterFailures, FaultPartner, status } from '#test/support/fault-partner.ts';
import { OPS_TOKEN, startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';

const GIVEN_SECRET = `whsec_${Buffer.from('a secret the operator chose, 32 b').toString('base64')}`;
const X_TOKEN = 'x-user-context-token-logs-3f9c2a';
/** A page token Facebook does not accept (it expired): its refusals must not quote it either. */
const STALE_FACEBOOK_TOKEN = 'EAAGstalePageToken-logs-81d0';
const PAGE = '104573829100002';
const captured: string[] = [];
const writes = { out: process.stdout.write, err: process.stderr.write };
let loa: TestLoa;
let flaky: FaultPartner;
let refusing: FaultPartner;
let x: FakeX;
let facebook: FakeFacebook;
let ingest: FakeIngest;

function capture(stream: NodeJS.WriteStream, original: typeof process.stdout.write) {
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
  }) as typeof process.stdout.write;
}

beforeAll(async () => {
  capture(process.stdout, writes.out);
  capture(process.stderr, writes.err);
  flaky = await new FaultPartner(afterFailures(1, status(503, { 'retry-after': '0' }))).start();
  refusing = await new FaultPartner(() => status(400)).start();
  loa = await startTestLoa({ logLevel: 'DEBUG' });
  [x, facebook, ingest] = await Promise.all([
    startFakeX({ accessTokens: [X_TOKEN] }),
    startFakeFacebook({ pageId: PAGE, accessToken: 'EAAGcurrentPageToken-not-the-stale-one' }),
    // Checks every PUT's signature with the secret the ops API generated (there once the agreement is).
    startFakeIngest({
      secret: async () => (await channelSigningSecrets(loa.deps, 'logs-channels', 'ingest'))[0],
    }),
  ]);
});

afterAll(async () => {
  await loa?.close();
  await Promise.all([flaky?.stop(), refusing?.stop(), x?.close(), facebook?.close(), ingest?.close()]);
  process.stdout.write = writes.out;
  process.stderr.write = writes.err;
});

describe('logs', () => {
  it('never hold a webhook secret, a feed key or the ops token', async () => {
    const generated = await postAgreement(loa, {
      agreementId: 'logs-generated',
      partnerName: 'Báo Nhân Dân',
      topics: ['culture-tourism'],
      channels: [{ type: 'webhook', url: flaky.url() }, { type: 'feed' }],
    });
    await postAgreement(loa, {
      agreementId: 'logs-given',
      partnerName: 'Báo Tuổi Trẻ',
      topics: ['culture-tourism'],
      channels: [{ type: 'webhook', url: refusing.url(), secret: GIVEN_SECRET }],
    });
    const article = articleFixture({ articleId: 'logs-article', topics: ['culture-tourism'] });
    for (const a of article.assets) await loa.upload(a.uri.replace('s3://loa-content/', ''), 'image');
    await loa.putEvents([
      { source: SOURCE.cms, detailType: DETAIL_TYPE.contentApproved, detail: { article } },
      {
        source: SOURCE.cms,
        detailType: DETAIL_TYPE.contentApproved,
        detail: { article: { articleId: '?' } },
      },
    ]);
    await loa.settled();
    const { items } = await loa.deps.deliveries.listByAgreement('logs-given', { limit: 10 });
    const generatedDelivery = (
      await loa.deps.deliveries.listByAgreement('logs-generated', { limit: 10 })
    ).items.find((d) => d.channelId === 'webhook')?.deliveryId;
    await loa.ops('POST', `/ops/deliveries/${items[0]?.deliveryId}/replay`);
    await loa.settled();
    const feed = await loa.ops('POST', '/ops/agreements/logs-generated/feed-url', { format: 'rss' });
    await fetch(feed.json.url);
    await fetch(String(feed.json.url).replace(/sig=.{4}/, 'sig=AAAA'));
    await fetch(`${loa.baseUrl}/ops/agreements`, { headers: { authorization: 'Bearer nope' } });
    // A rotation, then a delivery signed with both the new and the previous secret.
    const rotated = await loa.ops('POST', '/ops/agreements/logs-generated/channels/webhook/rotate-secret', {
      overlapHours: 1,
    });
    expect(rotated.status).toBe(200);
    await loa.ops('POST', `/ops/deliveries/${generatedDelivery}/replay`);
    await loa.settled();
    const master = JSON.parse((await loa.deps.secrets.get(MASTER_SIGNING_KEY_REF)) ?? '{}') as MasterKey;
    const feedMaster = JSON.parse((await loa.deps.secrets.get(MASTER_FEED_KEY_REF)) ?? '{}') as MasterKey;
    const feedKeyMaterial = async (agreementId: string) => {
      const agreement = await loa.deps.agreements.get(agreementId);
      const key = await feedKeyOf(loa.deps.secrets, agreement, agreementId, 'k1');
      if (!key) throw new Error(`no feed key material for ${agreementId}`);
      return key;
    };

    const secrets = [
      OPS_TOKEN,
      GIVEN_SECRET,
      generated.secrets.webhook as string,
      rotated.json.secret as string,
      ...Object.values(master.versions),
      ...Object.values(feedMaster.versions),
      await feedKeyMaterial('logs-generated'),
      await feedKeyMaterial('logs-given'),
    ];
    const logs = captured.join('');

    // The run did log (so the capture works), at every level it uses.
    expect(logs).toContain('"message":"delivery attempt"');
    expect(logs).toContain('"message":"event rejected"');
    expect(logs).toContain('"message":"feed refused"');
    expect(flaky.successes.size).toBe(1);
    expect(refusing.requests).toHaveLength(2);
    // Nor any secret's base64 body without its prefix.
    for (const secret of secrets.flatMap((s) => [s, s.replace(/^whsec_/, '')])) {
      expect(logs).not.toContain(secret);
    }
  });

  it('never hold a network token or a broadcast signing secret, used for posts, pushes and takedowns', async () => {
    const created = await postAgreement(loa, {
      agreementId: 'logs-channels',
      partnerName: 'VTV4 — Kênh truyền hình đối ngoại',
      topics: ['infrastructure'],
      channels: [
        socialChannel('x', x.baseUrl, X_TOKEN),
        socialChannel('facebook', facebook.baseUrl, STALE_FACEBOOK_TOKEN, PAGE),
        { type: 'broadcast', channelId: 'ingest', target: 'http', url: ingest.baseUrl },
      ],
    });
    const signingSecret = created.secrets.ingest as string;
    expect(signingSecret).toMatch(/^whsec_/);
    // A retry on each: X's 503 and the ingest's 500 are logged as attempts, then the next one succeeds.
    x.script({ status: 503 });
    ingest.fail({ kind: 'status', status: 500, on: 'newsml.xml' });
    const article = articleFixture({ articleId: 'logs-channels-article', topics: ['infrastructure'] });
    await loa.approveArticle(article, 'image');
    await loa.settled();
    const published = await loa.deliveriesOf('logs-channels');
    await loa.withdrawArticle(article.articleId, '2026-03-01T07:00:00.000Z', 'sai số liệu');
    await loa.settled();
    const withdrawn = (await loa.deliveriesOf('logs-channels')).filter((d) => d.kind === 'withdrawal');

    // The secrets were used: X saw the token, the ingest verified every PUT, Facebook refused the stale one.
    expect(Object.fromEntries(published.map((d) => [d.channelId, d.status]))).toEqual({
      x: 'delivered',
      facebook: 'failed',
      ingest: 'delivered',
    });
    expect(x.requests.map((r) => r.headers.authorization)).toContain(`Bearer ${X_TOKEN}`);
    expect(x.deleted).toHaveLength(1);
    expect(ingest.requests.filter((r) => r.status === 500)).toHaveLength(1);
    // The faulted PUT was answered before its signature was read; every other one was checked.
    const stored = ingest.requests.filter((r) => r.status !== 500);
    expect(stored.length).toBeGreaterThan(2);
    expect(stored.every((r) => r.verified === true)).toBe(true);
    expect([...ingest.files.keys()].some((p) => p.endsWith('newsml-canceled.xml'))).toBe(true);
    expect(Object.fromEntries(withdrawn.map((d) => [d.channelId, d.status]))).toMatchObject({
      x: 'delivered',
      ingest: 'delivered',
    });
    const logs = captured.join('');
    expect(logs).toContain('"channel":"social"');
    expect(logs).toContain('"channel":"broadcast"');
    expect(logs).toContain('"httpStatus":503');
    expect(logs).toContain('"httpStatus":500');
    for (const secret of [
      X_TOKEN,
      STALE_FACEBOOK_TOKEN,
      signingSecret,
      signingSecret.replace(/^whsec_/, ''),
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});
