/**
 * Secrets never reach the logs: a full run (agreements with generated and given secrets, signed
 * deliveries, retries, a failure, a replay, feed URLs, refused requests) at DEBUG, with everything
 * written to stdout and stderr captured, holds no webhook secret, feed key or ops token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedKeyRef } from '#app/signed-links.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { afterFailures, FaultPartner, status } from '#test/support/fault-partner.ts';
import { OPS_TOKEN, startTestLoa, type TestLoa } from '#test/support/local-loa.ts';

const GIVEN_SECRET = `whsec_${Buffer.from('a secret the operator chose, 32 b').toString('base64')}`;
const captured: string[] = [];
const writes = { out: process.stdout.write, err: process.stderr.write };
let loa: TestLoa;
let flaky: FaultPartner;
let refusing: FaultPartner;

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
});

afterAll(async () => {
  await loa?.close();
  await Promise.all([flaky?.stop(), refusing?.stop()]);
  process.stdout.write = writes.out;
  process.stderr.write = writes.err;
});

describe('logs', () => {
  it('never hold a webhook secret, a feed key or the ops token', async () => {
    const generated = await loa.ops('POST', '/ops/agreements', {
      agreementId: 'logs-generated',
      partner: { partnerId: 'logs-generated', name: 'Báo Nhân Dân' },
      validFrom: '2024-01-01',
      validTo: '2099-12-31',
      topics: ['culture-tourism'],
      languages: ['vi'],
      channels: [{ type: 'webhook', url: flaky.url() }, { type: 'feed' }],
    });
    const given = await loa.ops('POST', '/ops/agreements', {
      agreementId: 'logs-given',
      partner: { partnerId: 'logs-given', name: 'Báo Tuổi Trẻ' },
      validFrom: '2024-01-01',
      validTo: '2099-12-31',
      topics: ['culture-tourism'],
      languages: ['vi'],
      channels: [{ type: 'webhook', url: refusing.url(), secret: GIVEN_SECRET }],
    });
    expect([generated.status, given.status]).toEqual([201, 201]);
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
    await loa.ops('POST', `/ops/deliveries/${items[0]?.deliveryId}/replay`);
    await loa.settled();
    const feed = await loa.ops('POST', '/ops/agreements/logs-generated/feed-url', { format: 'rss' });
    await fetch(feed.json.url);
    await fetch(String(feed.json.url).replace(/sig=.{4}/, 'sig=AAAA'));
    await fetch(`${loa.baseUrl}/ops/agreements`, { headers: { authorization: 'Bearer nope' } });

    const secrets = [
      OPS_TOKEN,
      GIVEN_SECRET,
      generated.json.secrets.webhook as string,
      (await loa.deps.secrets.get(feedKeyRef('logs-generated', 'k1'))) ?? 'missing',
      (await loa.deps.secrets.get(feedKeyRef('logs-given', 'k1'))) ?? 'missing',
    ];
    const logs = captured.join('');

    // The run did log (so the capture works), at every level it uses.
    expect(logs).toContain('"message":"webhook attempt"');
    expect(logs).toContain('"message":"event rejected"');
    expect(logs).toContain('"message":"feed refused"');
    expect(flaky.successes.size).toBe(1);
    expect(refusing.requests).toHaveLength(2);
    // Nor any secret's base64 body without its prefix.
    for (const secret of secrets.flatMap((s) => [s, s.replace(/^whsec_/, '')])) {
      expect(logs).not.toContain(secret);
    }
  });
});
