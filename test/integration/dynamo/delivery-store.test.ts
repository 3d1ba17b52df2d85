import { describe, expect, it } from 'vitest';
import type { Table } from '#adapters/aws/dynamo-commands.ts';
import { DynamoDeliveryStore } from '#adapters/aws/dynamo-delivery-store.ts';
import type { DynamoReplayLog } from '#adapters/aws/dynamo-replay-log.ts';
import type { DynamoRoutingLog } from '#adapters/aws/dynamo-routing-log.ts';
import type { Attempt } from '#domain/delivery.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { onFreshTable } from '#test/support/dynamo-table.ts';

let store: DynamoDeliveryStore;
let table: Table;
let routing: DynamoRoutingLog;
let replays: DynamoReplayLog;

const attempt = (n: number, outcome: Attempt['outcome'] = 'delivered'): Attempt => ({
  n,
  at: `2025-06-01T08:0${n}:00.000Z`,
  trigger: 'scheduled',
  outcome,
  durationMs: 12,
  httpStatus: outcome === 'delivered' ? 200 : 503,
});

onFreshTable((t) => {
  store = t.deliveries;
  table = t.table;
  routing = t.routing;
  replays = t.replays;
});

describe(`DynamoDeliveryStore (${process.env.LOA_TEST_DYNAMODB ?? 'dynalite'})`, () => {
  it('creates a delivery once and refuses the same one again', async () => {
    const d = deliveryFixture();
    expect(await store.create(d)).toBe(true);
    expect(await store.create({ ...d, title: 'changed' })).toBe(false);
    expect((await store.get(d.deliveryId))?.title).toBe(d.title);
  });

  it('reads several deliveries in one strongly consistent BatchGetItem per 100, as get reads each, leaving out the absent', async () => {
    const made = Array.from({ length: 120 }, (_, i) => deliveryFixture({ deliveryId: `dlv_many-${i}` }));
    await Promise.all(made.map((d) => store.create(d)));
    await store.recordOutcome(deliveryFixture({ deliveryId: 'dlv_many-7' }), {
      status: 'delivered',
      attempt: attempt(1),
    });
    const sent: Record<string, unknown>[] = [];
    const client = Object.create(table.client, {
      send: {
        value: (command: { input: Record<string, unknown> }) => {
          sent.push(command.input);
          return table.client.send(command as never);
        },
      },
    });
    const counted = new DynamoDeliveryStore({ ...table, client });

    const ids = [...made.map((d) => d.deliveryId), 'dlv_never-made'];
    const found = await counted.getMany(ids);

    expect(found.size).toBe(120);
    expect(found.has('dlv_never-made')).toBe(false);
    for (const d of made) expect(found.get(d.deliveryId)).toEqual(await store.get(d.deliveryId));
    expect(found.get('dlv_many-7')).toMatchObject({ status: 'delivered', attemptCount: 1 });
    expect(sent).toHaveLength(2);
    for (const input of sent) {
      const request = (input.RequestItems as Record<string, { ConsistentRead?: boolean }>)[table.tableName];
      expect(request?.ConsistentRead).toBe(true);
    }
  });

  it('records an outcome with the attempt on the same write and keeps Vietnamese text byte for byte', async () => {
    const d = deliveryFixture();
    await store.create(d);
    expect(await store.recordOutcome(d, { status: 'delivered', attempt: attempt(1) })).toBe(true);
    const read = await store.get(d.deliveryId);
    expect(read).toMatchObject({ status: 'delivered', attemptCount: 1, attempts: [attempt(1)] });
    expect(Buffer.from(read?.title ?? '').equals(Buffer.from(d.title))).toBe(true);
  });

  it("keeps what the channel called a delivered post, what a version supersedes and a takedown's post ids", async () => {
    const update = deliveryFixture({
      channelType: 'social',
      supersedes: { version: 1, remoteId: '1850000000000000001' },
    });
    const notice = deliveryFixture({
      channelType: 'social',
      kind: 'withdrawal',
      deliveryId: 'dlv_social-notice',
      takedown: { remoteIds: ['1', '2'] },
    });
    await store.create(update);
    await store.create(notice);

    await store.recordOutcome(update, {
      status: 'delivered',
      attempt: attempt(1),
      remoteId: '1850000000000000002',
    });

    expect(await store.get(update.deliveryId)).toMatchObject({
      remoteId: '1850000000000000002',
      supersedes: { version: 1, remoteId: '1850000000000000001' },
    });
    expect((await store.get(notice.deliveryId))?.takedown).toEqual({ remoteIds: ['1', '2'] });
  });

  it('refuses an outcome from a worker holding a stale attempt count', async () => {
    const d = deliveryFixture();
    await store.create(d);
    await store.recordOutcome(d, {
      status: 'retrying',
      attempt: attempt(1, 'retry'),
      nextAttemptAt: '2025-06-01T09:00:00Z',
    });
    expect(await store.recordOutcome(d, { status: 'delivered', attempt: attempt(1) })).toBe(false);
    expect((await store.get(d.deliveryId))?.status).toBe('retrying');
  });

  it('never moves a delivered delivery backwards', async () => {
    const d = deliveryFixture();
    await store.create(d);
    await store.recordOutcome(d, { status: 'delivered', attempt: attempt(1) });
    const delivered = await store.get(d.deliveryId);
    if (!delivered) throw new Error('missing');
    expect(await store.recordOutcome(delivered, { status: 'failed', attempt: attempt(2, 'failed') })).toBe(
      false,
    );
    expect((await store.get(d.deliveryId))?.status).toBe('delivered');
  });

  it('holds a pending delivery without an attempt, off the unfinished index, and releases it once, oldest first', async () => {
    const older = deliveryFixture({ articleId: 'older', updatedAt: '2025-06-01T08:00:00.000Z' });
    const newer = deliveryFixture({
      articleId: 'newer',
      createdAt: '2025-06-01T08:00:00.001Z',
      updatedAt: '2025-06-01T08:00:00.001Z',
    });
    await store.create(older);
    await store.create(newer);

    expect(await store.hold(older, '2025-06-01T09:00:00.000Z')).toBe(true);
    expect(await store.hold(newer, '2025-06-01T09:00:01.000Z')).toBe(true);
    expect(await store.hold(newer, '2025-06-01T09:00:02.000Z')).toBe(false);
    const unfinished = (await store.listUnfinished(10, [older.agreementId])).map((d) => d.deliveryId);
    const held = await store.listByAgreement(older.agreementId, {
      status: 'held',
      limit: 10,
      oldestFirst: true,
    });
    const first = await store.release(older.deliveryId, '2025-06-01T10:00:00.000Z');
    const again = await store.release(older.deliveryId, '2025-06-01T10:00:01.000Z');

    expect(unfinished).not.toContain(older.deliveryId);
    expect(held.items.map((d) => d.deliveryId)).toEqual([older.deliveryId, newer.deliveryId]);
    expect(held.items[0]).toMatchObject({ status: 'held', attemptCount: 0 });
    expect(first).toMatchObject({ status: 'pending', updatedAt: '2025-06-01T10:00:00.000Z' });
    expect(again).toBeUndefined();
    expect((await store.listUnfinished(10, [older.agreementId])).map((d) => d.deliveryId)).toContain(
      older.deliveryId,
    );
  });

  it('reopens a finished delivery for replay once, and not a pending one', async () => {
    const d = deliveryFixture();
    await store.create(d);
    expect(await store.reopenForReplay(d.deliveryId, '2025-06-02T00:00:00Z')).toBeUndefined();
    await store.recordOutcome(d, { status: 'failed', attempt: attempt(1, 'failed'), lastError: 'HTTP 400' });
    const [a, b] = await Promise.all([
      store.reopenForReplay(d.deliveryId, '2025-06-02T00:00:00Z'),
      store.reopenForReplay(d.deliveryId, '2025-06-02T00:00:00Z'),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await store.get(d.deliveryId)).toMatchObject({
      status: 'pending',
      replayCount: 1,
      attemptCount: 1,
    });
  });

  it('lists an agreement’s deliveries newest first, by status, and in pages', async () => {
    for (let i = 0; i < 5; i++) {
      const d = deliveryFixture({ articleId: `a${i}`, createdAt: `2025-06-0${i + 1}T00:00:00.000Z` });
      await store.create(d);
      if (i !== 2) await store.recordOutcome(d, { status: 'delivered', attempt: attempt(1) });
    }
    await store.create(deliveryFixture({ agreementId: 'someone-else', articleId: 'a9' }));
    const failed = deliveryFixture({ articleId: 'a2', createdAt: '2025-06-03T00:00:00.000Z' });
    await store.recordOutcome(failed, { status: 'failed', attempt: attempt(1, 'failed') });

    const first = await store.listByAgreement('vtv4-hagiang', { limit: 3 });
    expect(first.items.map((d) => d.articleId)).toEqual(['a4', 'a3', 'a2']);
    const rest = await store.listByAgreement('vtv4-hagiang', {
      limit: 3,
      ...(first.cursor && { cursor: first.cursor }),
    });
    expect(rest.items.map((d) => d.articleId)).toEqual(['a1', 'a0']);
    const onlyFailed = await store.listByAgreement('vtv4-hagiang', { status: 'failed', limit: 10 });
    expect(onlyFailed.items.map((d) => d.articleId)).toEqual(['a2']);
  });

  it('lists only the deliveries created within the days asked for, by status and in pages', async () => {
    for (let i = 0; i < 5; i++) {
      const d = deliveryFixture({ articleId: `a${i}`, createdAt: `2025-06-0${i + 1}T12:00:00.000Z` });
      await store.create(d);
      await store.recordOutcome(d, { status: i === 3 ? 'failed' : 'delivered', attempt: attempt(1) });
    }
    const days = { createdFrom: '2025-06-02T00:00:00.000Z', createdTo: '2025-06-04T23:59:59.999Z' };

    const within = await store.listByAgreement('vtv4-hagiang', { limit: 10, ...days });
    expect(within.items.map((d) => d.articleId)).toEqual(['a3', 'a2', 'a1']);
    expect(within.cursor).toBeUndefined();
    const failedWithin = await store.listByAgreement('vtv4-hagiang', {
      status: 'failed',
      limit: 10,
      ...days,
    });
    expect(failedWithin.items.map((d) => d.articleId)).toEqual(['a3']);
    const paged = await store.listByAgreement('vtv4-hagiang', { limit: 2, ...days });
    const next = await store.listByAgreement('vtv4-hagiang', {
      limit: 2,
      ...days,
      ...(paged.cursor && { cursor: paged.cursor }),
    });
    expect([...paged.items, ...next.items].map((d) => d.articleId)).toEqual(['a3', 'a2', 'a1']);
  });

  it('finds everywhere an article went, and only unfinished deliveries for recovery', async () => {
    const done = deliveryFixture({ agreementId: 'one' });
    const failing = deliveryFixture({ agreementId: 'two' });
    await store.create(done);
    await store.create(failing);
    await store.create(deliveryFixture({ agreementId: 'three' }));
    await store.recordOutcome(done, { status: 'delivered', attempt: attempt(1) });
    await store.recordOutcome(failing, { status: 'retrying', attempt: attempt(1, 'retry') });

    expect((await store.listByArticle('hagiang-article')).map((d) => d.agreementId).sort()).toEqual([
      'one',
      'three',
      'two',
    ]);
    // 'three' was never attempted: it is on the queue, not on its agreement's open list.
    expect((await store.listUnfinished(10, ['one', 'two', 'three'])).map((d) => d.agreementId)).toEqual([
      'two',
    ]);
  });

  it('puts a pushed delivery on its agreement’s lists at its first write, on the open list while not through, with an expiry once finished', async () => {
    const d = deliveryFixture({ agreementId: 'lists' });
    await store.create(d);
    const listed = async () => (await store.listByAgreement('lists', { limit: 10 })).items.length;
    const open = async (status: 'retrying' | 'failed' | 'delivered') =>
      (await store.listByAgreement('lists', { status, limit: 10 })).items.map((x) => x.status);

    expect(await listed()).toBe(0);
    await store.recordOutcome(d, {
      status: 'retrying',
      attempt: attempt(1, 'retry'),
      retriesEndBy: '2025-06-02T00:00:00.000Z',
    });
    expect(await listed()).toBe(1);
    expect(await open('retrying')).toEqual(['retrying']);
    expect(await store.get(d.deliveryId)).toMatchObject({ retriesEndBy: '2025-06-02T00:00:00.000Z' });
    const retrying = await store.get(d.deliveryId);
    if (!retrying) throw new Error('missing');
    await store.recordOutcome(retrying, { status: 'delivered', attempt: attempt(2) });

    expect(await open('retrying')).toEqual([]);
    expect(await open('delivered')).toEqual(['delivered']);
    expect(await listed()).toBe(1);
    expect((await store.get(d.deliveryId))?.retriesEndBy).toBeUndefined();
  });

  it('writes a delivery routing sent unstored with its first write, one conditional put, and refuses a second first write', async () => {
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const client = Object.create(table.client, {
      send: {
        value: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
          sent.push({ name: command.constructor.name, input: command.input });
          return table.client.send(command as never);
        },
      },
    });
    const counted = new DynamoDeliveryStore({ ...table, client }, { retentionDays: 15 });
    const d = { ...deliveryFixture({ agreementId: 'unstored' }), unstored: true as const };

    expect(await counted.recordOutcome(d, { status: 'delivered', attempt: attempt(1) })).toBe(true);

    expect(sent.map((c) => c.name)).toEqual(['PutCommand']);
    expect(sent[0]?.input.ConditionExpression).toBe('attribute_not_exists(pk)');
    const item = sent[0]?.input.Item as Record<string, unknown>;
    expect(item).not.toHaveProperty('unstored');
    expect(item).not.toHaveProperty('gsi3pk');
    expect(item.expiresAt).toBe(Math.floor(Date.parse(attempt(1).at) / 1000) + 15 * 86_400);
    expect(await store.get(d.deliveryId)).toMatchObject({
      status: 'delivered',
      attemptCount: 1,
      attempts: [attempt(1)],
    });
    expect((await store.listByAgreement('unstored', { status: 'delivered', limit: 10 })).items).toHaveLength(
      1,
    );
    // A second copy of its message, its worker as unaware of the first: the item is there, nothing is written.
    expect(await counted.recordOutcome(d, { status: 'failed', attempt: attempt(1, 'failed') })).toBe(false);
    expect((await store.get(d.deliveryId))?.status).toBe('delivered');
  });

  it('writes a delivery sent unstored as a withdrawal discards it, a pause holds it or an embargo makes it wait, each on its lists', async () => {
    const unstored = (n: number) => ({
      ...deliveryFixture({ agreementId: 'unstored-moves', deliveryId: `dlv_unstored-${n}` }),
      unstored: true as const,
    });
    const at = '2025-06-01T09:00:00.000Z';

    expect(await store.discardUnsent(unstored(1), at, 'article withdrawn')).toBe(true);
    expect(await store.hold(unstored(2), at)).toBe(true);
    expect(await store.waitUntil(unstored(3), '2025-06-01T10:00:00.000Z', at)).toBe(true);
    // A worker's first write after the withdrawal's: refused, the discard stays.
    expect(await store.recordOutcome(unstored(1), { status: 'delivered', attempt: attempt(1) })).toBe(false);

    expect(await store.get('dlv_unstored-1')).toMatchObject({
      status: 'discarded',
      lastError: 'article withdrawn',
    });
    expect(await store.get('dlv_unstored-2')).toMatchObject({ status: 'held', attemptCount: 0 });
    expect(await store.get('dlv_unstored-3')).toMatchObject({
      status: 'pending',
      nextAttemptAt: '2025-06-01T10:00:00.000Z',
    });
    const listed = (await store.listByAgreement('unstored-moves', { limit: 10 })).items.map(
      (x) => x.deliveryId,
    );
    expect(listed.sort()).toEqual(['dlv_unstored-1', 'dlv_unstored-2', 'dlv_unstored-3']);
    const held = (await store.listByAgreement('unstored-moves', { status: 'held', limit: 10 })).items;
    expect(held.map((x) => x.deliveryId)).toEqual(['dlv_unstored-2']);
  });

  it('keeps routing decisions and replay audits', async () => {
    const decisions = [{ agreementId: 'one', covered: false, reason: 'excluded:topic', matchedTopics: [] }];
    await routing.record({ articleId: 'art', version: 2, at: '2025-06-01T00:00:00Z', decisions });
    expect(await routing.get('art', 2)).toMatchObject({ decisions });
    expect(await routing.get('art', 1)).toBeUndefined();

    const audit = {
      replayId: 'rpl_1',
      requestedBy: 'ops',
      requestedAt: '2025-06-01T00:00:00Z',
      filter: {},
      count: 1,
      deliveryIds: ['d'],
    };
    await replays.record(audit);
    expect(await replays.list(10)).toEqual([audit]);
  });
});
