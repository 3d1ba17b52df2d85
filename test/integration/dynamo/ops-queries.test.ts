/**
 * The operators' queries and the job store on a real DynamoDB engine (dynalite, or DynamoDB Local with
 * LOA_TEST_DYNAMODB=dynamodb-local): filtered pages resume exactly, even while a bulk replay moves
 * items out of the status being paged; counts, status times, routing by time across months.
 */
import { describe, expect, it } from 'vitest';
import type { DynamoDeliveryQueries } from '#adapters/aws/dynamo-delivery-queries.ts';
import type { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import type { DynamoJobStore } from '#adapters/aws/dynamo-job-store.ts';
import type { DynamoRoutingLog } from '#adapters/aws/dynamo-routing-log.ts';
import type { Delivery } from '#domain/delivery.ts';
import { ConflictError } from '#domain/errors.ts';
import { type DeliveryFilter, PUSHED_CHANNELS } from '#ports/delivery-queries.ts';
import type { OpsJob } from '#ports/job-store.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let store: DynamoDeliveryStore;
let queries: DynamoDeliveryQueries;
let routing: DynamoRoutingLog;
let jobs: DynamoJobStore;

onFreshTable((t) => {
  store = t.deliveries;
  queries = t.deliveryQueries;
  routing = t.routing;
  jobs = t.jobStore;
});

/** Deliveries n = 0..count-1 of one agreement, created a minute apart; every third on the feed channel. */
async function seed(count: number, status: 'failed' | 'delivered' = 'failed'): Promise<Delivery[]> {
  const made: Delivery[] = [];
  for (let n = 0; n < count; n++) {
    const at = new Date(Date.UTC(2026, 0, 1, 8, n)).toISOString();
    const d = deliveryFixture({
      agreementId: 'agr',
      articleId: `art-${String(n).padStart(3, '0')}`,
      channelId: n % 3 === 0 ? 'feed' : 'webhook',
      channelType: n % 3 === 0 ? 'feed' : 'webhook',
      createdAt: at,
      updatedAt: at,
    });
    await store.create(d);
    await store.recordOutcome(d, {
      status,
      attempt: {
        n: 1,
        at,
        trigger: 'scheduled',
        outcome: status === 'failed' ? 'failed' : 'delivered',
        durationMs: 1,
      },
    });
    made.push(d);
  }
  return made;
}

async function allPages(filter: DeliveryFilter, limit: number, each?: (page: Delivery[]) => Promise<void>) {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await queries.findByAgreement('agr', filter, { limit, ...(cursor && { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items.map((d) => d.articleId));
    await each?.(page.items);
    cursor = page.cursor;
  } while (cursor);
  return seen;
}

describe(`operator queries (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('pages a filtered listing exactly, newest first, when a page ends inside a round', async () => {
    await seed(30);

    const webhooks = await allPages({ channel: 'webhook' }, 7);

    const expected = Array.from({ length: 30 }, (_, n) => n)
      .filter((n) => n % 3 !== 0)
      .reverse()
      .map((n) => `art-${String(n).padStart(3, '0')}`);
    expect(webhooks).toEqual(expected);
  });

  it('finds every pushed kind and no feed under the `pushed` channel filter', async () => {
    const [feed] = await seed(3);
    const broadcast = deliveryFixture({
      agreementId: 'agr',
      articleId: 'art-broadcast',
      channelId: 'ingest',
      channelType: 'broadcast',
    });
    const social: Delivery = {
      ...(feed as Delivery),
      deliveryId: 'dlv_social',
      channelId: 'x',
      channelType: 'social',
    };
    // Pushed deliveries are on their agreement's lists from their first attempt.
    for (const d of [broadcast, social]) {
      await store.create(d);
      await store.recordOutcome(d, {
        status: 'delivered',
        attempt: { n: 1, at: d.createdAt, trigger: 'scheduled', outcome: 'delivered', durationMs: 5 },
      });
    }

    const pushed = await allPages({ channel: PUSHED_CHANNELS }, 2);

    // art-000's feed delivery is left out; its social copy, the webhooks and the broadcast are in.
    expect(pushed.sort()).toEqual(['art-000', 'art-001', 'art-002', 'art-broadcast']);
    expect(await queries.countByAgreement('agr', { channel: PUSHED_CHANNELS })).toBe(4);
  });

  it('visits every failed delivery once while a replay reopens each page as it goes', async () => {
    await seed(25);

    const seen = await allPages({ status: 'failed' }, 4, async (page) => {
      for (const d of page) await store.reopenForReplay(d.deliveryId, '2026-01-02T00:00:00.000Z', 'rpl_x');
    });

    expect(new Set(seen).size).toBe(25);
    expect(seen).toHaveLength(25);
    expect(await queries.countByAgreement('agr', { status: 'failed' })).toBe(0);
    expect(await queries.countByAgreement('agr', { status: 'pending' })).toBe(25);
  });

  it('bounds by time on the status index and on change times without one', async () => {
    await seed(10);
    const window = { since: '2026-01-01T08:03:00Z', until: '2026-01-01T08:05:30Z' };

    const byStatus = await allPages({ status: 'failed', ...window }, 50);
    const anyStatus = await allPages(window, 50);

    expect(byStatus).toEqual(['art-005', 'art-004', 'art-003']);
    expect(anyStatus).toEqual(byStatus);
    expect(await queries.countByAgreement('agr', { ...window, channel: 'webhook' })).toBe(2);
    expect(await queries.statusTimes('agr', 'failed', '2026-01-01T08:08:00Z')).toHaveLength(2);
  });

  it('keeps the replay time and id apart from updatedAt', async () => {
    const [d] = await seed(1);

    const reopened = await store.reopenForReplay(d?.deliveryId ?? '', '2026-02-01T00:00:00.000Z', 'rpl_1');

    expect(reopened).toMatchObject({ lastReplayAt: '2026-02-01T00:00:00.000Z', lastReplayId: 'rpl_1' });
    expect(await store.get(d?.deliveryId ?? '')).toMatchObject({ lastReplayId: 'rpl_1', status: 'pending' });
  });

  it('lists routing records by time across months, newest first, and every version of an article', async () => {
    const ready = (articleId: string, version: number) => ({
      articleId,
      version,
      language: 'vi',
      topics: ['infrastructure'],
      title: `${articleId} v${version}`,
      manifest: { bucket: 'loa-packages', key: `packages/${articleId}/v${version}/ninjs.json` },
      manifestSha256: '0'.repeat(64),
      assetIds: [],
      packagedAt: '2026-01-01T00:00:00.000Z',
    });
    const records = [
      ['a', 1, '2026-01-30T10:00:00.000Z'],
      ['b', 1, '2026-01-31T23:59:00.000Z'],
      ['a', 2, '2026-02-01T00:01:00.000Z'],
      ['c', 1, '2026-02-03T00:00:00.000Z'],
    ] as const;
    for (const [articleId, version, at] of records) {
      await routing.record({ articleId, version, at, decisions: [], ready: ready(articleId, version) });
    }

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await routing.listBetween('2026-01-31T00:00:00Z', '2026-02-02T00:00:00Z', {
        limit: 1,
        ...(cursor && { cursor }),
      });
      seen.push(...page.items.map((r) => `${r.articleId}/${r.version}`));
      cursor = page.cursor;
    } while (cursor);

    expect(seen).toEqual(['a/2', 'b/1']);
    expect((await routing.list('a')).map((r) => r.version)).toEqual([2, 1]);
    expect((await routing.get('a', 2))?.ready?.title).toBe('a v2');
  });
});

describe('job store', () => {
  const job = (): OpsJob => ({
    jobId: 'rpl_job',
    kind: 'replay',
    filter: { agreementId: 'agr', status: 'failed' },
    version: 'original',
    ratePerSecond: 10,
    status: 'queued',
    total: 3,
    done: 0,
    skipped: 0,
    skippedReasons: {},
    requestedBy: 'ops',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    seq: 0,
  });

  it('creates a job once and moves it only from the seq that was read', async () => {
    await jobs.create(job());

    const first = await jobs.save({ ...job(), status: 'running', seq: 1 }, 0);
    const stale = await jobs.save({ ...job(), status: 'cancelled', seq: 1 }, 0);

    expect(first).toBe(true);
    expect(stale).toBe(false);
    expect(await jobs.get('rpl_job')).toMatchObject({ status: 'running', seq: 1 });
    await expect(jobs.create(job())).rejects.toThrow(ConflictError);
  });
});
