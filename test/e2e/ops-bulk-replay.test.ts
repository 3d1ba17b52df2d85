/**
 * Bulk replay at size: 1,000 failed deliveries (written straight to the store) replayed by filter at
 * 250 per second. The rate is checked from what was recorded (each delivery's reopen time), never
 * from how long the test took.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '#domain/delivery.ts';
import { webhookMessageId } from '#domain/ids.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { createAgreement, seedFailed, untilJobEnds } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';

const COUNT = 1000;
const RATE = 250;

let loa: TestLoa;
let partner: Receiver;
let seeded: Delivery[];

/** The most reopen times that fall in any one-second window [t, t + 1 s). */
function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[j] ?? Number.POSITIVE_INFINITY) < (sorted[i] ?? 0) + 1000) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

beforeAll(async () => {
  partner = await new Receiver().start();
  partner.script('/cms/bulk', []);
  loa = await startTestLoa();
  await createAgreement(loa, 'bulk-partner', `${partner.baseUrl}/cms/bulk`);
  seeded = await seedFailed(loa, {
    agreementId: 'bulk-partner',
    partnerId: 'bulk-partner-partner',
    count: COUNT,
    prefix: 'bulk',
  });
}, 120_000);

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
});

describe('bulk replay of 1,000 failed deliveries', () => {
  it('delivers every one, at no more than the rate in any second, audited once', async () => {
    const dry = await loa.ops('POST', '/ops/replays', {
      filter: { agreementId: 'bulk-partner' },
      dryRun: true,
    });

    const started = await loa.ops('POST', '/ops/replays', {
      filter: { agreementId: 'bulk-partner', status: 'failed' },
      ratePerSecond: RATE,
    });
    const replayId = started.json.replay.replayId as string;
    const final = await untilJobEnds(loa, `/ops/replays/${replayId}`, 1200);
    await loa.settled();

    expect(dry.json.count).toBe(COUNT);
    expect(final).toMatchObject({ status: 'done', total: COUNT, done: COUNT, skipped: 0 });
    const after = await Promise.all(seeded.map((d) => loa.deps.deliveries.get(d.deliveryId)));
    expect(after.filter((d) => d?.status === 'delivered')).toHaveLength(COUNT);
    expect(after.every((d) => d?.lastReplayId === replayId && d.attempts.at(-1)?.trigger === 'manual')).toBe(
      true,
    );

    const reopenedAt = after.map((d) => Date.parse(d?.lastReplayAt ?? ''));
    expect(reopenedAt.every(Number.isFinite)).toBe(true);
    expect(busiestSecond(reopenedAt)).toBeLessThanOrEqual(RATE);
    const lastAttempt = Math.max(...after.map((d) => Date.parse(d?.attempts.at(-1)?.at ?? '')));
    console.log(
      `bulk replay: ${COUNT} failed deliveries at ${RATE}/s: reopened over ${(Math.max(...reopenedAt) - Math.min(...reopenedAt)) / 1000} s ` +
        `(busiest second ${busiestSecond(reopenedAt)}), last delivered ${(lastAttempt - Math.min(...reopenedAt)) / 1000} s after the first reopen`,
    );

    // One POST per delivery, each with the webhook-id its first attempt had.
    const ids = partner.to('/cms/bulk').map((r) => r.headers['webhook-id']);
    expect(new Set(ids)).toEqual(new Set(seeded.map((d) => webhookMessageId(d.deliveryId))));
    expect(ids).toHaveLength(COUNT);

    const audit = (await loa.ops('GET', '/ops/replays?limit=500')).json.items.filter(
      (a: { replayId: string }) => a.replayId === replayId,
    );
    expect(audit).toEqual([
      expect.objectContaining({ kind: 'replay', count: COUNT, requestedBy: 'local-ops-token' }),
    ]);
  }, 120_000);
});
