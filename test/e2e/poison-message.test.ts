/**
 * A delivery whose worker fails on every receive, end to end on the local runtime (real queues with
 * their redrive policy, dynalite, s3rver, a partner on loopback): on the queue's last receive the
 * delivery ends as failed, naming why, and is on its agreement's failed list, where an operator
 * replays it once the cause is mended, rather than sitting unseen on the dead-letter queue.
 *
 * The fault is a real one: the article's package manifest in S3 is overwritten with bytes that are
 * not JSON while its delivery waits for an embargo (a `hold` agreement), so every attempt throws
 * reading it. The handlers' clock is a manual one; queue times are scaled to milliseconds.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GAVE_UP } from '#app/delivery-worker.ts';
import { MAX_RECEIVES } from '#ports/work-queue.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { ManualClock } from '#test/support/feed-harness.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { postAgreement } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';
import { until } from '#test/support/until.ts';

const HOUR = 3_600_000;

let loa: TestLoa;
let clock: ManualClock;
let partner: Receiver;

beforeAll(async () => {
  partner = await new Receiver().start();
  loa = await startTestLoa({ queueTimeScale: 0.001 });
  clock = new ManualClock(new Date());
  loa.deps.clock = { now: clock.now };
});

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
});

describe('a message whose worker fails on every receive', () => {
  it('ends its delivery as failed on the last receive, on the failed list, and a replay sends it once mended', async () => {
    await postAgreement(loa, {
      agreementId: 'giu-ban-quyen',
      partnerName: 'Báo Hà Giang điện tử',
      topics: ['infrastructure'],
      embargo: 'hold',
      channels: [{ type: 'webhook', channelId: 'cms', url: `${partner.baseUrl}/hook` }],
    });
    const embargoUntil = new Date(clock.now().getTime() + HOUR).toISOString();
    const article = articleFixture({
      articleId: 'ban-tin-hong',
      approvedAt: clock.now().toISOString(),
      embargoUntil,
      topics: ['infrastructure'],
    });
    await loa.approveArticle(article, Buffer.from('ảnh'));
    const waiting = async () =>
      (await loa.deliveriesOf('giu-ban-quyen')).find((d) => d.articleId === 'ban-tin-hong');
    // Held for the embargo: written (nextAttemptAt), so it is on the agreement's lists.
    await until(
      'the delivery held for its embargo',
      async () => (await waiting())?.nextAttemptAt === embargoUntil,
    );
    const held = await waiting();
    if (!held) throw new Error('no delivery');

    // The package's manifest is no longer JSON: every attempt throws before any request.
    const where = { Bucket: held.manifest.bucket, Key: held.manifest.key };
    const manifest = await (await loa.s3.send(new GetObjectCommand(where))).Body?.transformToString();
    await loa.s3.send(
      new PutObjectCommand({ Bucket: held.manifest.bucket, Key: held.manifest.key, Body: '{ not json' }),
    );
    clock.advance(2 * HOUR);

    await until('the delivery failed', async () => (await waiting())?.status === 'failed');
    const failed = await waiting();
    expect(failed?.lastError).toMatch(
      new RegExp(`^${GAVE_UP}: the worker failed on each of ${MAX_RECEIVES} receives \\(SyntaxError`),
    );
    expect(partner.to('/hook')).toHaveLength(0);
    const list = await loa.ops('GET', '/ops/agreements/giu-ban-quyen/deliveries?status=failed');
    expect(list.status).toBe(200);
    expect(list.json.items.map((d: { deliveryId: string }) => d.deliveryId)).toEqual([held.deliveryId]);
    expect(loa.queues.deadLetters('webhook')).toHaveLength(0);

    // Mended (the manifest put back), an operator's replay sends it.
    await loa.s3.send(new PutObjectCommand({ ...where, Body: manifest }));
    const replay = await loa.ops('POST', `/ops/deliveries/${held.deliveryId}/replay`);
    expect(replay.status).toBe(202);
    await until('the replay delivered', async () => (await waiting())?.status === 'delivered');
    expect(partner.to('/hook')).toHaveLength(1);
  });
});
