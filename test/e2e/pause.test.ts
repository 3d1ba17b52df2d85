/**
 * Pause and catch-up end to end on the local runtime (docs/delivery-rules.md, pause): a partner that
 * fails for longer than `pauseAfterMs` is paused; new deliveries wait as held without a request; once
 * it recovers, an operator's resume (or a successful probe) releases them oldest first. Short pause
 * and probe periods, a fast retry policy, and polls for each condition (no fixed sleeps).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Delivery } from '#domain/delivery.ts';
import { webhookMessageId } from '#domain/ids.ts';
import { FaultPartner, ok, status } from '#test/support/fault-partner.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { approve, createAgreement, untilJobEnds } from '#test/support/ops-fixtures.ts';

/** Polls `check` until it holds (a slow machine only takes longer), failing after `ms`. */
let debug: (() => Promise<string>) | undefined;

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${debug ? `: ${await debug()}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const started: TestLoa[] = [];
const partners: FaultPartner[] = [];

async function setUp(probeEveryMs: number) {
  const partner = await new FaultPartner(() => status(503)).start();
  partners.push(partner);
  const loa = await startTestLoa({
    retryPolicy: { baseDelayMs: 30, maxDelayMs: 60, maxAttempts: 100, maxAgeMs: 3_600_000, timeoutMs: 2000 },
    circuitBreaker: { serverErrorThreshold: 2, openMs: 30, maxOpenMs: 60, pauseAfterMs: 1_000, probeEveryMs },
    ...(process.env.PAUSE_DEBUG && { logLevel: 'WARN' as const }),
  });
  started.push(loa);
  return { loa, partner };
}

const circuitOf = async (loa: TestLoa, agreementId: string, channelId: string) =>
  (await loa.ops('GET', `/ops/agreements/${agreementId}`)).json.channelStates?.[channelId]?.circuit;

async function deliveryOf(
  loa: TestLoa,
  agreementId: string,
  articleId: string,
): Promise<Delivery | undefined> {
  return (await loa.deliveriesOf(agreementId)).find((d) => d.articleId === articleId);
}

const requestsFor = (partner: FaultPartner, d: Delivery | undefined) =>
  partner.requests.filter((r) => r.webhookId === webhookMessageId(d?.deliveryId ?? '')).length;

/** When the partner first answered 2xx to each delivery, in the order the partner saw them. */
const firstSuccess = (partner: FaultPartner, d: Delivery | undefined) =>
  partner.successes.get(webhookMessageId(d?.deliveryId ?? ''))?.[0] ?? Number.NaN;

/** Makes the partner fail until the channel is paused; returns the first (held) delivery. */
async function failUntilPaused(loa: TestLoa, agreementId: string, channelId: string) {
  await approve(loa, `${agreementId}-a1`);
  debug = async () =>
    JSON.stringify(
      (await loa.deliveriesOf(agreementId)).map((d) => [d.status, d.attemptCount, d.attempts.at(-1)]),
    );
  await until('the channel paused', async () => (await circuitOf(loa, agreementId, channelId)) === 'paused');
  await until(
    'the first delivery held',
    async () => (await deliveryOf(loa, agreementId, `${agreementId}-a1`))?.status === 'held',
  );
}

/** A runtime whose partner failed until the agreement's webhook channel paused; probes `probeEveryMs` apart. */
async function pausedChannel(agreementId: string, probeEveryMs: number) {
  const { loa, partner } = await setUp(probeEveryMs);
  const agreement = await createAgreement(loa, agreementId, `${partner.baseUrl}/hook`);
  const channelId = agreement.channels[0].channelId as string;
  await failUntilPaused(loa, agreementId, channelId);
  return { loa, partner, channelId };
}

afterAll(async () => {
  await Promise.all(started.map((l) => l.close()));
  await Promise.all(partners.map((p) => p.stop()));
});

describe('pause and catch-up', () => {
  it('pauses a partner failing for longer than pauseAfterMs, holds new deliveries without a request, and an operator resume sends them oldest first', async () => {
    // Probes far apart: nothing but the operator ends this pause.
    const { loa, partner, channelId } = await pausedChannel('paused-cms', 600_000);
    await approve(loa, 'paused-cms-a2');
    await until(
      'a2 held',
      async () => (await deliveryOf(loa, 'paused-cms', 'paused-cms-a2'))?.status === 'held',
    );
    await approve(loa, 'paused-cms-a3');
    await until(
      'a3 held',
      async () => (await deliveryOf(loa, 'paused-cms', 'paused-cms-a3'))?.status === 'held',
    );
    const [a1, a2, a3] = await Promise.all(
      ['a1', 'a2', 'a3'].map((a) => deliveryOf(loa, 'paused-cms', `paused-cms-${a}`)),
    );

    // Held: no request, no attempt spent; listed by status (API and its filter).
    expect(requestsFor(partner, a2)).toBe(0);
    expect(requestsFor(partner, a3)).toBe(0);
    expect(a2?.attemptCount).toBe(0);
    const held = await loa.ops('GET', '/ops/deliveries?agreementId=paused-cms&status=held');
    expect(held.status, held.text).toBe(200);
    expect(held.json.items.map((d: Delivery) => d.articleId).sort()).toEqual([
      'paused-cms-a1',
      'paused-cms-a2',
      'paused-cms-a3',
    ]);

    // Bad input changes nothing.
    const unknown = await loa.ops('POST', '/ops/agreements/paused-cms/channels/no-such-channel/resume');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toContain('no-such-channel');
    const other = await createAgreement(
      loa,
      'healthy-cms',
      `${partner.baseUrl.replace('127.0.0.1', 'localhost')}/hook`,
    );
    const notPaused = await loa.ops(
      'POST',
      `/ops/agreements/healthy-cms/channels/${other.channels[0].channelId}/resume`,
    );
    expect(notPaused.status).toBe(409);
    expect(notPaused.json.reason).toBe('not-paused');
    expect(await circuitOf(loa, 'paused-cms', channelId)).toBe('paused');
    expect((await deliveryOf(loa, 'paused-cms', 'paused-cms-a2'))?.status).toBe('held');

    // The partner recovers; the operator resumes; the held deliveries go out oldest first.
    partner.behave(() => ok);
    const resumed = await loa.ops('POST', `/ops/agreements/paused-cms/channels/${channelId}/resume`, {
      ratePerSecond: 1,
    });
    expect(resumed.status, resumed.text).toBe(202);
    expect(resumed.json.catchUp).toMatchObject({
      kind: 'catch-up',
      total: 3,
      requestedBy: 'local-ops-token',
    });
    const job = await untilJobEnds(loa, `/ops/catch-ups/${resumed.json.catchUp.replayId}`);
    await until('all three delivered', async () =>
      (await loa.deliveriesOf('paused-cms')).every((d) => d.status === 'delivered'),
    );

    expect(job).toMatchObject({ status: 'done', done: 3, skipped: 0 });
    expect(await circuitOf(loa, 'paused-cms', channelId)).toBe('closed');
    const times = [a1, a2, a3].map((d) => firstSuccess(partner, d));
    expect(times.every(Number.isFinite)).toBe(true);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    const audit = (await loa.ops('GET', '/ops/replays')).json.items;
    expect(audit).toContainEqual(expect.objectContaining({ kind: 'catch-up', count: 3 }));
  }, 120_000);

  it('resumes by itself when a probe succeeds, then sends the rest of the held deliveries', async () => {
    // Probes 2.5 s apart: longer than a retry's delay (whole seconds on the local queue), so a1 is held between probes.
    const { loa, partner, channelId } = await pausedChannel('probed-cms', 2_500);
    await approve(loa, 'probed-cms-a2');
    partner.behave(() => ok);
    await until('all delivered', async () => {
      const all = await loa.deliveriesOf('probed-cms');
      return all.length === 2 && all.every((d) => d.status === 'delivered');
    });

    expect(await circuitOf(loa, 'probed-cms', channelId)).toBe('closed');
    const audit = (await loa.ops('GET', '/ops/replays')).json.items;
    expect(audit).toContainEqual(expect.objectContaining({ kind: 'catch-up', requestedBy: 'probe' }));
  }, 120_000);
});
