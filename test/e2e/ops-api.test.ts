/**
 * The operators' API against the whole local runtime: agreements, partners, delivery filters with
 * cursors, attempts, replay rules (withdrawn, suspended, latest version, twice at once), bulk replay
 * dry run and run, backfill, explainable routing, health and the dashboard's files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '#domain/delivery.ts';
import { DETAIL_TYPE, SOURCE } from '#schemas/events.ts';
import { startTestLoa, type TestLoa } from '#test/support/local-loa.ts';
import { approve, createAgreement, untilJobEnds } from '#test/support/ops-fixtures.ts';
import { Receiver } from '#test/support/receiver.ts';

let loa: TestLoa;
let partner: Receiver;

const failing = '/cms/ops-failing';
const healthy = '/cms/ops-healthy';

async function deliveriesOf(agreementId: string, query = ''): Promise<Delivery[]> {
  const res = await loa.ops('GET', `/ops/deliveries?agreementId=${agreementId}${query}`);
  expect(res.status).toBe(200);
  return res.json.items;
}

beforeAll(async () => {
  partner = await new Receiver().start();
  partner.script(failing, [], { status: 400, body: 'no thanks' });
  partner.script(healthy, []);
  loa = await startTestLoa();
  await createAgreement(loa, 'ops-failing', `${partner.baseUrl}${failing}`, { feed: true });
  await createAgreement(loa, 'ops-healthy', `${partner.baseUrl}${healthy}`, {
    topics: ['infrastructure', 'culture-tourism'],
  });
  await approve(loa, 'ops-article-1');
  await approve(loa, 'ops-article-2');
  await approve(loa, 'ops-culture', { topics: ['culture-tourism'] });
  await loa.settled();
});

afterAll(async () => {
  await loa?.close();
  await partner?.stop();
});

describe('agreements and partners', () => {
  it('updates, suspends and resumes an agreement, with the optimistic lock refusing a stale change', async () => {
    const created = await createAgreement(loa, 'ops-editable', `${partner.baseUrl}/cms/editable`);

    const updated = await loa.ops('PATCH', '/ops/agreements/ops-editable', {
      topics: ['infrastructure', 'border-security'],
      ifUpdatedAt: created.updatedAt,
    });
    const stale = await loa.ops('PATCH', '/ops/agreements/ops-editable', {
      topics: ['infrastructure'],
      ifUpdatedAt: created.updatedAt,
    });
    const suspended = await loa.ops('POST', '/ops/agreements/ops-editable/suspend');
    const resumed = await loa.ops('POST', '/ops/agreements/ops-editable/resume');

    expect(updated.status).toBe(200);
    expect(updated.json.topics).toEqual(['infrastructure', 'border-security']);
    expect(stale.status).toBe(409);
    expect(suspended.json.status).toBe('suspended');
    expect(resumed.json.status).toBe('active');
    expect((await loa.ops('GET', '/ops/agreements/ops-editable')).json.topics).toEqual([
      'infrastructure',
      'border-security',
    ]);
  });

  it('refuses an update that names a missing channel or nothing at all', async () => {
    const missing = await loa.ops('PATCH', '/ops/agreements/ops-healthy', {
      webhookUrls: { nope: 'https://example.org/hook' },
    });
    const empty = await loa.ops('PATCH', '/ops/agreements/ops-healthy', {});

    expect(missing.status).toBe(400);
    expect(missing.json.problems).toEqual(['webhookUrls.nope: no such channel']);
    expect(empty.status).toBe(400);
  });

  it('lists partners with their agreements', async () => {
    const res = await loa.ops('GET', '/ops/partners/ops-failing-partner');

    expect(res.status).toBe(200);
    expect(res.json.agreements).toEqual([
      expect.objectContaining({ agreementId: 'ops-failing', status: 'active' }),
    ]);
  });
});

describe('deliveries', () => {
  it('filters by status across agreements, by channel, by article and by time', async () => {
    const failed = await loa.ops('GET', '/ops/deliveries?status=failed');
    const feeds = await deliveriesOf('ops-failing', '&channel=feed');
    const article = await loa.ops('GET', '/ops/deliveries?articleId=ops-article-1');
    const future = await loa.ops(
      'GET',
      `/ops/deliveries?since=${encodeURIComponent('2099-01-01T00:00:00Z')}`,
    );

    expect(failed.json.items.map((d: Delivery) => d.articleId).sort()).toEqual([
      'ops-article-1',
      'ops-article-2',
    ]);
    expect(failed.json.items.every((d: Delivery) => d.agreementId === 'ops-failing')).toBe(true);
    expect(feeds.map((d) => d.channelType)).toEqual(['feed', 'feed']);
    expect(article.json.items.map((d: Delivery) => `${d.agreementId}/${d.channelId}`).sort()).toEqual([
      'ops-failing/feed',
      'ops-failing/webhook',
      'ops-healthy/webhook',
    ]);
    expect(future.json.items).toEqual([]);
  });

  it('pages with a cursor through every delivery exactly once', async () => {
    const all = (await loa.ops('GET', '/ops/deliveries?limit=200')).json.items as Delivery[];
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await loa.ops('GET', `/ops/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.json.items.map((d: Delivery) => d.deliveryId));
      cursor = res.json.cursor;
    } while (cursor);

    expect(all.length).toBeGreaterThan(4);
    expect(seen.sort()).toEqual(all.map((d) => d.deliveryId).sort());
  });

  it('answers 400 naming the parameter for a bad filter or cursor', async () => {
    const status = await loa.ops('GET', '/ops/deliveries?status=lost');
    const since = await loa.ops('GET', '/ops/deliveries?since=yesterday');
    const order = await loa.ops(
      'GET',
      '/ops/deliveries?since=2025-01-02T00:00:00Z&until=2025-01-01T00:00:00Z',
    );
    const cursor = await loa.ops('GET', '/ops/deliveries?cursor=not-ours');

    expect(status.status).toBe(400);
    expect(status.json.problems[0]).toMatch(/^status:/);
    expect(since.json.problems[0]).toMatch(/^since:/);
    expect(order.json.problems).toEqual(['until: must not be before since']);
    expect(cursor.status).toBe(400);
  });

  it('shows the attempts of a delivery', async () => {
    const [d] = await deliveriesOf('ops-failing', '&status=failed&limit=1');

    const res = await loa.ops('GET', `/ops/deliveries/${d?.deliveryId}/attempts`);

    expect(res.json).toMatchObject({ status: 'failed', attemptCount: 1 });
    expect(res.json.items).toEqual([expect.objectContaining({ n: 1, httpStatus: 400, outcome: 'failed' })]);
  });
});

describe('replay of one delivery', () => {
  it('refuses under a suspended agreement with the reason, and sends again once resumed', async () => {
    const [d] = await deliveriesOf('ops-failing', '&status=failed&articleId=ops-article-2');
    await loa.ops('POST', '/ops/agreements/ops-failing/suspend');

    const refused = await loa.ops('POST', `/ops/deliveries/${d?.deliveryId}/replay`);
    await loa.ops('POST', '/ops/agreements/ops-failing/resume');
    const accepted = await loa.ops('POST', `/ops/deliveries/${d?.deliveryId}/replay`);
    await loa.settled();

    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ reason: 'agreement-inactive' });
    expect(refused.json.error).toContain('suspended');
    expect(accepted.status).toBe(202);
    const after = (await loa.ops('GET', `/ops/deliveries/${d?.deliveryId}`)).json;
    expect(after).toMatchObject({ status: 'failed', attemptCount: 2, replayCount: 1 });
    expect(after.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['scheduled', 'manual']);
  });

  it('never resends a withdrawn article and offers the withdrawal notice instead', async () => {
    await approve(loa, 'ops-withdrawn');
    await loa.settled();
    await loa.putEvents([
      {
        source: SOURCE.cms,
        detailType: DETAIL_TYPE.contentWithdrawn,
        detail: { articleId: 'ops-withdrawn', withdrawnAt: new Date().toISOString(), reason: 'sai số liệu' },
      },
    ]);
    await loa.settled();
    const [d] = await deliveriesOf('ops-failing', '&status=failed&articleId=ops-withdrawn');
    const postsBefore = partner.to(failing).length;

    const res = await loa.ops('POST', `/ops/deliveries/${d?.deliveryId}/replay`);
    await loa.settled();

    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ reason: 'article-withdrawn', offer: 'withdrawal-notice' });
    expect(partner.to(failing)).toHaveLength(postsBefore);
  });

  it('sends the latest version when asked, on the same agreement and channel', async () => {
    await approve(loa, 'ops-versioned', { version: 1 });
    await loa.settled();
    await approve(loa, 'ops-versioned', { version: 2, title: 'Phiên bản 2' });
    await loa.settled();
    const all = await deliveriesOf('ops-failing', '&articleId=ops-versioned&channel=webhook&status=failed');
    const v1 = all.find((d) => d.version === 1);
    const v2 = all.find((d) => d.version === 2);

    const res = await loa.ops('POST', `/ops/deliveries/${v1?.deliveryId}/replay`, { version: 'latest' });
    await loa.settled();

    expect(res.status).toBe(202);
    expect(res.json.replay.deliveryIds).toEqual([v2?.deliveryId]);
    expect((await loa.ops('GET', `/ops/deliveries/${v2?.deliveryId}`)).json.replayCount).toBe(1);
    expect((await loa.ops('GET', `/ops/deliveries/${v1?.deliveryId}`)).json.replayCount).toBe(0);
  });

  it('refuses to replay a superseded version by default, naming the newer one, and sends nothing', async () => {
    const failed = await deliveriesOf(
      'ops-failing',
      '&articleId=ops-versioned&channel=webhook&status=failed',
    );
    const v1 = failed.find((d) => d.version === 1);
    const postsBefore = partner.to(failing).length;

    const res = await loa.ops('POST', `/ops/deliveries/${v1?.deliveryId}/replay`);
    const dry = await loa.ops('POST', '/ops/replays', {
      filter: { agreementId: 'ops-failing', articleId: 'ops-versioned', channel: 'webhook' },
      dryRun: true,
    });
    await loa.settled();

    expect(res.status).toBe(409);
    expect(res.json).toMatchObject({ reason: 'superseded', offer: 'latest' });
    expect(res.json.error).toContain('superseded by version 2');
    expect(partner.to(failing)).toHaveLength(postsBefore);
    const byVersion = Object.fromEntries(
      dry.json.sample.map((x: { version: number }) => [x.version, x] as const),
    );
    expect(byVersion[1]).toMatchObject({ refused: 'superseded' });
    expect(byVersion[2]).toMatchObject({ wouldSend: { version: 2 } });
  });

  it('refuses a feed delivery: the partner pulls it', async () => {
    const [feed] = await deliveriesOf('ops-failing', '&channel=feed&articleId=ops-article-1');

    const res = await loa.ops('POST', `/ops/deliveries/${feed?.deliveryId}/replay`);

    expect(res.status).toBe(409);
    expect(res.json.reason).toBe('feed-channel');
  });
});

describe('bulk replay', () => {
  it('answers a dry run with the count and a sample, and changes nothing', async () => {
    const before = (await loa.ops('GET', '/ops/replays')).json.items.length;

    const res = await loa.ops('POST', '/ops/replays', {
      filter: { agreementId: 'ops-failing', status: 'failed' },
      dryRun: true,
    });

    expect(res.status).toBe(200);
    expect(res.json.dryRun).toBe(true);
    expect(res.json.count).toBeGreaterThanOrEqual(2);
    expect(res.json.sample.length).toBe(Math.min(10, res.json.count));
    expect(res.json.sample.every((s: { status: string }) => s.status === 'failed')).toBe(true);
    expect((await loa.ops('GET', '/ops/replays')).json.items).toHaveLength(before);
  });

  it('replays the failed deliveries of an agreement, reports progress and skips what it must', async () => {
    partner.script(failing, [], { status: 200 });
    const dry = await loa.ops('POST', '/ops/replays', {
      filter: { agreementId: 'ops-failing' },
      dryRun: true,
    });

    const started = await loa.ops('POST', '/ops/replays', {
      filter: { agreementId: 'ops-failing' },
      ratePerSecond: 50,
    });
    const final = await untilJobEnds(loa, `/ops/replays/${started.json.replay.replayId}`);
    await loa.settled();
    partner.script(failing, [], { status: 400 });

    expect(started.status).toBe(202);
    expect(final).toMatchObject({ status: 'done', total: dry.json.count });
    expect(final.done + final.skipped).toBe(final.total);
    // The withdrawn article's delivery is skipped, never sent; so is ops-versioned's v1, superseded
    // on the channel by v2 (which this replay sends): an older version never follows a newer one.
    expect(final.skippedReasons).toEqual({ 'article-withdrawn': 1, superseded: 1 });
    const stillFailed = await deliveriesOf('ops-failing', '&status=failed&channel=webhook');
    expect(stillFailed.map((d) => `${d.articleId} v${d.version}`).sort()).toEqual([
      'ops-versioned v1',
      'ops-withdrawn v1',
    ]);
    const audit = (await loa.ops('GET', '/ops/replays')).json.items.filter(
      (a: { replayId: string }) => a.replayId === started.json.replay.replayId,
    );
    expect(audit).toEqual([expect.objectContaining({ kind: 'replay', count: dry.json.count })]);
  });

  it('refuses a bad filter with the field named', async () => {
    const res = await loa.ops('POST', '/ops/replays', { filter: { status: 'pending' } });

    expect(res.status).toBe(400);
    expect(res.json.problems[0]).toMatch(/^filter\.status:/);
  });
});

describe('backfill', () => {
  it('sends a newly signed agreement what it covers from the last days, once', async () => {
    const path = '/cms/ops-new';
    partner.script(path, []);
    await createAgreement(loa, 'ops-new', `${partner.baseUrl}${path}`, { topics: ['culture-tourism'] });

    const dry = await loa.ops('POST', '/ops/agreements/ops-new/backfill', { days: 7, dryRun: true });
    const started = await loa.ops('POST', '/ops/agreements/ops-new/backfill', { days: 7, ratePerSecond: 20 });
    const final = await untilJobEnds(loa, `/ops/backfills/${started.json.backfill.replayId}`);
    await loa.settled();
    const again = await loa.ops('POST', '/ops/agreements/ops-new/backfill', { days: 7 });
    const second = await untilJobEnds(loa, `/ops/backfills/${again.json.backfill.replayId}`);
    await loa.settled();

    expect(dry.json).toMatchObject({ dryRun: true, count: 1 });
    expect(dry.json.sample).toEqual([expect.objectContaining({ articleId: 'ops-culture', version: 1 })]);
    expect(final).toMatchObject({ status: 'done', done: 1 });
    expect(final.skippedReasons['excluded:topic']).toBeGreaterThan(0);
    expect(second).toMatchObject({ status: 'done', done: 0 });
    expect(second.skippedReasons['already-delivered']).toBe(1);
    expect(partner.to(path)).toHaveLength(1);
    const [delivery] = await deliveriesOf('ops-new');
    expect(delivery).toMatchObject({ articleId: 'ops-culture', status: 'delivered', reason: 'backfill' });
  });
});

describe('explainable routing', () => {
  it('says why an article went to one agreement and not another, from what routing stored', async () => {
    const covered = await loa.ops('GET', '/ops/articles/ops-culture/why?agreementId=ops-healthy');
    const excluded = await loa.ops('GET', '/ops/articles/ops-culture/why?agreementId=ops-failing&version=1');
    const later = await loa.ops('GET', '/ops/articles/ops-culture/why?agreementId=ops-new');
    const unknown = await loa.ops('GET', '/ops/articles/never-seen/why?agreementId=ops-new');

    expect(covered.json).toMatchObject({
      covered: true,
      reason: 'matched',
      matchedTopics: ['culture-tourism'],
      delivered: true,
    });
    expect(excluded.json).toMatchObject({ covered: false, reason: 'excluded:topic', delivered: false });
    expect(excluded.json.explanation).toContain('no topic in common');
    expect(later.json).toMatchObject({ considered: false, reason: 'not-considered', delivered: true });
    expect(later.json.explanation).toContain('backfill');
    expect(unknown.status).toBe(404);
  });

  it('previews routing for an article not yet approved, writing nothing', async () => {
    const res = await loa.ops('POST', '/ops/route-preview', {
      article: { language: 'vi', topics: ['culture-tourism'], title: 'not read' },
    });

    const byId = Object.fromEntries(
      res.json.decisions.map((d: { agreementId: string }) => [d.agreementId, d]),
    );
    expect(byId['ops-healthy']).toMatchObject({ covered: true, channels: ['webhook'] });
    expect(byId['ops-failing']).toMatchObject({ covered: false, reason: 'excluded:topic' });
    expect((await loa.ops('GET', '/ops/deliveries?articleId=preview')).json.items).toEqual([]);
  });
});

describe('health and dashboard', () => {
  it('counts deliveries per agreement over the last hours and ranks the troubled first', async () => {
    const res = await loa.ops('GET', '/ops/health?hours=24');

    const failingRow = res.json.items.find((r: { agreementId: string }) => r.agreementId === 'ops-failing');
    const healthyRow = res.json.items.find((r: { agreementId: string }) => r.agreementId === 'ops-healthy');
    expect(res.json.items[0].agreementId).toBe('ops-failing');
    // Delivered again since its last failure (the bulk replay): troubled, but receiving.
    expect(failingRow).toMatchObject({ health: 'degraded' });
    // The withdrawn article's and the superseded v1 (never sent after v2).
    expect(failingRow.counts.failed).toBe(2);
    expect(healthyRow).toMatchObject({ health: 'ok' });
    expect(healthyRow.counts.delivered).toBeGreaterThanOrEqual(3);
    expect(healthyRow.buckets).toHaveLength(24);
    expect(healthyRow.buckets.reduce((n: number, b: { delivered: number }) => n + b.delivered, 0)).toBe(
      healthyRow.counts.delivered,
    );
  });

  it('serves the dashboard without the token, and its data only with it', async () => {
    const page = await fetch(`${loa.baseUrl}/ops/`);
    const script = await fetch(`${loa.baseUrl}/ops/ui/app.js`);
    const data = await fetch(`${loa.baseUrl}/ops/health`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('/ops/ui/app.js');
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(data.status).toBe(401);
  });
});
