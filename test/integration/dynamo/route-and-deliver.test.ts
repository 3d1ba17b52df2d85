import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAgreement } from '#app/create-agreement.ts';
import type { Deps } from '#app/deps.ts';
import { packageArticle } from '#app/package-article.ts';
import { withdrawArticle } from '#app/withdraw-article.ts';
import { makeHandler as deliverHandler } from '#functions/deliver-webhook/handler.ts';
import { makeHandler as routeHandler } from '#functions/route/handler.ts';
import type { WorkMessage } from '#ports/work-queue.ts';
import type { CreateAgreementInput } from '#schemas/agreement.ts';
import type { PackageReady } from '#schemas/events.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { integrationDeps, type Recorded } from '#test/support/deps.ts';
import { startDynamo, type TestDynamo } from '#test/support/dynamo.ts';
import { Receiver } from '#test/support/receiver.ts';
import { type LocalS3, startS3 } from '#test/support/s3.ts';

let dynamo: TestDynamo;
let s3: LocalS3;
let partner: Receiver;
let deps: Deps;
let tableName: string;
let recorded: Recorded;
let now = new Date('2026-03-01T08:00:00Z');

const context = {} as never;
const envelope = (detailType: string, detail: unknown) => ({
  version: '0',
  id: `evt-${Math.random()}`,
  'detail-type': detailType,
  source: 'loa.package',
  time: now.toISOString(),
  account: '000000000000',
  region: 'us-east-1',
  resources: [],
  detail,
});
/** An SQS event of these messages (a bare id: a scheduled attempt of a delivery that has an item). */
const sqsEvent = (messages: (string | WorkMessage)[]) => ({
  Records: messages.map((m, i) => ({
    messageId: `m${i}`,
    body: JSON.stringify(typeof m === 'string' ? { deliveryId: m, trigger: 'scheduled' } : m),
  })),
});

/** The last message routing (or a worker) enqueued for the delivery: what the queue would hand a worker. */
function messageOf(deliveryId: string | undefined): WorkMessage {
  const m = recorded.enqueued
    .flatMap((e) => e.messages)
    .filter((x) => x.deliveryId === deliveryId)
    .at(-1);
  if (!m) throw new Error(`nothing enqueued for ${deliveryId}`);
  return m;
}

function agreementInput(
  agreementId: string,
  overrides: Partial<CreateAgreementInput> = {},
): CreateAgreementInput {
  return {
    agreementId,
    partner: { partnerId: agreementId, name: 'Đài Tiếng nói Việt Nam' },
    status: 'active',
    validFrom: '2024-01-01',
    validTo: '2030-12-31',
    topics: ['infrastructure'],
    languages: ['vi'],
    channels: [{ type: 'webhook', url: `${partner.baseUrl}/${agreementId}` }, { type: 'feed' }],
    embargo: 'hold',
    ...overrides,
  };
}

async function packaged(articleId: string, overrides = {}): Promise<PackageReady> {
  const article = articleFixture({ articleId, topics: ['infrastructure'], ...overrides });
  for (const a of article.assets) {
    await s3.client.send(
      new (await import('@aws-sdk/client-s3')).PutObjectCommand({
        Bucket: 'loa-content',
        Key: a.uri.replace('s3://loa-content/', ''),
        Body: 'img',
      }),
    );
  }
  return packageArticle(deps, article);
}

beforeAll(async () => {
  [dynamo, s3, partner] = await Promise.all([startDynamo(), startS3(), new Receiver().start()]);
  await s3.createBucket('loa-content');
  await s3.createBucket('loa-packages');
});
afterAll(async () => Promise.all([dynamo?.stop(), s3?.stop(), partner?.stop()]));
beforeEach(async () => {
  now = new Date('2026-03-01T08:00:00Z');
  tableName = await dynamo.createTable();
  ({ deps, recorded } = await integrationDeps({
    dynamoEndpoint: dynamo.endpoint,
    s3Endpoint: s3.endpoint,
    tableName,
    now: () => now,
  }));
});

describe('route handler', () => {
  it('creates one delivery per covering agreement × channel, stores why, and enqueues the pushes', async () => {
    await createAgreement(deps, agreementInput('covers'));
    await createAgreement(deps, agreementInput('other-topic', { topics: ['border-security'] }));
    await createAgreement(deps, agreementInput('suspended', { status: 'suspended' }));
    const ready = await packaged('routed-article');

    await routeHandler(() => deps)(envelope('PackageReady', ready), context);

    const deliveries = await deps.deliveries.listByArticle('routed-article');
    expect(deliveries.map((d) => `${d.agreementId}/${d.channelId}/${d.status}`).sort()).toEqual([
      'covers/feed/delivered',
      'covers/webhook/pending',
    ]);
    const webhook = deliveries.find((d) => d.channelType === 'webhook');
    // The webhook is sent unstored: its message carries it, and its first attempt writes its item.
    expect(webhook?.unstored).toBe(true);
    expect(recorded.enqueued.flatMap((e) => e.messages)).toEqual([
      {
        deliveryId: webhook?.deliveryId,
        trigger: 'scheduled',
        routed: expect.objectContaining({ agreementId: 'covers', channelType: 'webhook', version: 1 }),
      },
    ]);
    const routing = await deps.routing.get('routed-article', 1);
    expect(Object.fromEntries(routing?.decisions.map((d) => [d.agreementId, d.reason]) ?? [])).toEqual({
      covers: 'matched',
      'other-topic': 'excluded:topic',
      suspended: 'excluded:status-suspended',
    });
    // The record names both channels, their types and the partner: neither delivery is written to the
    // article index, and the list above found them through the record.
    const covers = routing?.decisions.find((d) => d.agreementId === 'covers');
    expect(covers?.channels?.length).toBe(2);
    expect([...(covers?.channelTypes ?? [])].sort()).toEqual(['feed', 'webhook']);
    expect(covers?.partnerId).toBe('covers');
    expect(routing?.decisions.find((d) => d.agreementId === 'other-topic')?.channels).toBeUndefined();
    const itemOf = async (deliveryId: string | undefined) =>
      (
        await dynamo.client.send(
          new GetCommand({ TableName: tableName, Key: { pk: `DELIVERY#${deliveryId}`, sk: 'META' } }),
        )
      ).Item;
    const feedItem = await itemOf(deliveries.find((d) => d.channelType === 'feed')?.deliveryId);
    expect(feedItem).toBeDefined();
    expect(feedItem).not.toHaveProperty('gsi3pk');
    expect(await itemOf(webhook?.deliveryId)).toBeUndefined();

    // Its first attempt writes the item, once: on its agreement's lists, not on the article index.
    partner.script('/covers', [{ status: 200 }]);
    await deliverHandler(() => deps)(sqsEvent([messageOf(webhook?.deliveryId)]) as never, context);
    const written = await itemOf(webhook?.deliveryId);
    expect(written).toMatchObject({ status: 'delivered', attemptCount: 1, gsi1pk: 'AGREEMENT#covers' });
    expect(written).not.toHaveProperty('gsi3pk');
    expect(written).not.toHaveProperty('unstored');
    expect(
      (await deps.deliveries.listOnChannel('routed-article', 'covers', webhook?.channelId ?? '')).map(
        (d) => d.deliveryId,
      ),
    ).toEqual([webhook?.deliveryId]);
  });

  it('sends a correction to an agreement that received v1 but no longer matches, and replaces v1 in its feed', async () => {
    const created = await createAgreement(deps, agreementInput('had-v1'));
    const v1 = await packaged('corrected-article');
    await routeHandler(() => deps)(envelope('PackageReady', v1), context);
    const [hook1] = (await deps.deliveries.listByArticle('corrected-article')).filter(
      (d) => d.channelType === 'webhook',
    );
    await deliverHandler(() => deps)(sqsEvent([messageOf(hook1?.deliveryId)]) as never, context);
    const agreement = await deps.agreements.get('had-v1');
    if (!agreement) throw new Error('agreement not stored');
    await deps.agreements.update({ ...agreement, topics: ['border-security'] }, created.agreement.updatedAt);
    const v2 = await packaged('corrected-article', { version: 2, title: 'Đính chính' });

    await routeHandler(() => deps)(envelope('PackageReady', v2), context);

    const all = await deps.deliveries.listByArticle('corrected-article');
    const view = all.map((d) => `v${d.version}/${d.channelId}/${d.reason}/${d.supersededBy ?? '-'}`).sort();
    expect(view).toEqual([
      'v1/feed/matched/2',
      'v1/webhook/matched/-',
      'v2/feed/correction/-',
      'v2/webhook/correction/-',
    ]);
    const v2hook = all.find((d) => d.version === 2 && d.channelType === 'webhook');
    expect(messageOf(v2hook?.deliveryId).routed).toMatchObject({
      event: 'article.updated',
      supersedes: { version: 1 },
    });
    const routing = await deps.routing.get('corrected-article', 2);
    expect(routing?.decisions).toEqual([
      expect.objectContaining({ agreementId: 'had-v1', reason: 'correction' }),
    ]);
  });

  it('discards an older version still waiting to be sent once a newer one is routed to the same channel', async () => {
    await createAgreement(deps, agreementInput('waiting'));
    await routeHandler(() => deps)(envelope('PackageReady', await packaged('stale-first')), context);

    await routeHandler(() => deps)(
      envelope('PackageReady', await packaged('stale-first', { version: 2 })),
      context,
    );

    const hooks = (await deps.deliveries.listByArticle('stale-first')).filter(
      (d) => d.channelType === 'webhook',
    );
    expect(hooks.map((d) => [d.version, d.status, d.lastError])).toEqual([
      [1, 'discarded', 'superseded: version 2 routed'],
      [2, 'pending', undefined],
    ]);
  });

  it('sends no correction to a suspended agreement that received v1', async () => {
    const created = await createAgreement(deps, agreementInput('suspended-since'));
    const v1 = await packaged('not-corrected');
    await routeHandler(() => deps)(envelope('PackageReady', v1), context);
    const agreement = await deps.agreements.get('suspended-since');
    if (!agreement) throw new Error('agreement not stored');
    await deps.agreements.update({ ...agreement, status: 'suspended' }, created.agreement.updatedAt);
    const v2 = await packaged('not-corrected', { version: 2 });

    await routeHandler(() => deps)(envelope('PackageReady', v2), context);

    const all = await deps.deliveries.listByArticle('not-corrected');
    expect(all.filter((d) => d.version === 2)).toEqual([]);
  });

  it('still finds what a first run made when the same PackageReady comes again after the agreement lost a channel', async () => {
    const created = await createAgreement(deps, agreementInput('lost-feed'));
    const ready = await packaged('repeated-article');
    await routeHandler(() => deps)(envelope('PackageReady', ready), context);
    const agreement = await deps.agreements.get('lost-feed');
    if (!agreement) throw new Error('agreement not stored');
    const webhookOnly = agreement.channels.filter((c) => c.type === 'webhook');
    await deps.agreements.update({ ...agreement, channels: webhookOnly }, created.agreement.updatedAt);

    await routeHandler(() => deps)(envelope('PackageReady', ready), context);

    // The feed delivery of the first run is on no index: the record must still name its channel.
    const all = await deps.deliveries.listByArticle('repeated-article');
    expect(all.map((d) => d.channelType).sort()).toEqual(['feed', 'webhook']);
    const record = await deps.routing.get('repeated-article', 1);
    expect(record?.decisions.find((d) => d.agreementId === 'lost-feed')?.channels).toHaveLength(2);
  });

  it('creates and enqueues nothing new when the same PackageReady arrives again', async () => {
    await createAgreement(deps, agreementInput('covers'));
    const ready = await packaged('repeated-article');
    await routeHandler(() => deps)(envelope('PackageReady', ready), context);
    await routeHandler(() => deps)(envelope('PackageReady', ready), context);

    expect(await deps.deliveries.listByArticle('repeated-article')).toHaveLength(2);
    expect(recorded.enqueued).toHaveLength(1);
  });

  it('enqueues every webhook again when the bus retries a route that failed after sending some', async () => {
    for (const id of ['first', 'second', 'third']) await createAgreement(deps, agreementInput(id));
    const ready = await packaged('half-routed');
    const create = deps.deliveries.create.bind(deps.deliveries);
    let creates = 0;
    deps.deliveries.create = (d) => {
      if (++creates > 1) throw new Error('ProvisionedThroughputExceededException');
      return create(d);
    };
    await expect(routeHandler(() => deps)(envelope('PackageReady', ready), context)).rejects.toThrow();
    deps.deliveries.create = create;
    // The pushes' chunk (three webhooks, unstored) was sent before the feeds' creates failed.
    const byFailedRun = recorded.enqueued.flatMap((e) => e.messages.map((m) => m.deliveryId));
    expect(byFailedRun).toHaveLength(3);
    const before = recorded.enqueued.length;

    await routeHandler(() => deps)(envelope('PackageReady', ready), context);

    const webhooks = (await deps.deliveries.listByArticle('half-routed')).filter(
      (d) => d.channelType === 'webhook',
    );
    expect(webhooks).toHaveLength(3);
    // The retry sends every webhook not written yet: the failed run's again (harmless), each carrying it.
    const enqueued = recorded.enqueued.slice(before).flatMap((e) => e.messages);
    expect(enqueued.map((m) => m.deliveryId).sort()).toEqual(webhooks.map((d) => d.deliveryId).sort());
    for (const m of enqueued) expect(m.routed?.articleId).toBe('half-routed');
    expect(byFailedRun.sort()).toEqual(webhooks.map((d) => d.deliveryId).sort());
    expect((await deps.deliveries.listByArticle('half-routed')).map((d) => d.channelType).sort()).toEqual([
      'feed',
      'feed',
      'feed',
      'webhook',
      'webhook',
      'webhook',
    ]);
  });

  it('writes a delivery sent unstored as discarded when the article is withdrawn before its first attempt, and then sends nothing', async () => {
    await createAgreement(deps, agreementInput('in-flight'));
    await routeHandler(() => deps)(envelope('PackageReady', await packaged('pulled-article')), context);
    const hook = (await deps.deliveries.listByArticle('pulled-article')).find(
      (d) => d.channelType === 'webhook',
    );
    expect(hook?.unstored).toBe(true);
    partner.script('/in-flight', [{ status: 200 }]);

    const result = await withdrawArticle(deps, {
      articleId: 'pulled-article',
      withdrawnAt: now.toISOString(),
      reason: 'sai sự thật',
    });

    expect(result.discarded).toEqual([hook?.deliveryId]);
    expect(result.notices).toEqual([]);
    expect(await deps.deliveries.get(hook?.deliveryId ?? '')).toMatchObject({
      status: 'discarded',
      lastError: 'article withdrawn',
    });
    // The message routing sent comes to a worker after the withdrawal: the item is there, nothing goes.
    await deliverHandler(() => deps)(sqsEvent([messageOf(hook?.deliveryId)]) as never, context);
    expect(partner.to('/in-flight')).toHaveLength(0);
  });

  it('does not take a delivery that expired after it finished for one in flight', async () => {
    await createAgreement(deps, agreementInput('long-ago'));
    await routeHandler(() => deps)(envelope('PackageReady', await packaged('old-article')), context);
    expect((await deps.deliveries.listByArticle('old-article')).map((d) => d.channelType).sort()).toEqual([
      'feed',
      'webhook',
    ]);

    // Past the retention, an item the record names and the table lacks went by TTL: it is not shown.
    now = new Date(now.getTime() + (deps.config.retentionDays ?? 15) * 86_400_000 + 60_000);

    expect((await deps.deliveries.listByArticle('old-article')).map((d) => d.channelType)).toEqual(['feed']);
  });

  it('holds a webhook until the embargo for an agreement that holds embargoes', async () => {
    await createAgreement(deps, agreementInput('holds'));
    const ready = await packaged('embargoed-article', { embargoUntil: '2026-03-01T09:00:00Z' });
    await routeHandler(() => deps)(envelope('PackageReady', ready), context);

    expect(recorded.enqueued[0]?.delaySeconds).toBe(3600);
    const webhook = (await deps.deliveries.listByArticle('embargoed-article')).find(
      (d) => d.channelType === 'webhook',
    );
    expect(webhook?.nextAttemptAt).toBe('2026-03-01T09:00:00.000Z');
  });

  it('records a PackageReady that fails its schema as a rejection and creates nothing', async () => {
    await routeHandler(() => deps)(envelope('PackageReady', { articleId: 'x', version: 0 }), context);
    const [rejection] = await deps.rejections.list(10);
    expect(rejection).toMatchObject({ handler: 'route', detailType: 'PackageReady' });
    expect(rejection?.problems).toContainEqual(expect.stringMatching(/^detail\.version: /));
  });
});

describe('deliver-webhook handler', () => {
  async function routed(
    agreementId: string,
    articleId: string,
    overrides: Partial<CreateAgreementInput> = {},
  ) {
    await createAgreement(
      deps,
      agreementInput(agreementId, {
        channels: [{ type: 'webhook', url: `${partner.baseUrl}/${agreementId}` }],
        ...overrides,
      }),
    );
    await routeHandler(() => deps)(envelope('PackageReady', await packaged(articleId)), context);
    const [d] = await deps.deliveries.listByArticle(articleId);
    if (!d) throw new Error('not routed');
    return d;
  }

  it('delivers on 2xx and records the attempt, announcing no success event', async () => {
    partner.script('/ok', [{ status: 202 }]);
    const d = await routed('ok', 'ok-article');

    const out = await deliverHandler(() => deps)(sqsEvent([messageOf(d.deliveryId)]) as never, context);

    expect(out.batchItemFailures).toEqual([]);
    expect(await deps.deliveries.get(d.deliveryId)).toMatchObject({ status: 'delivered', attemptCount: 1 });
    expect(recorded.events.filter((e) => e.source === 'loa.delivery')).toEqual([]);
  });

  it('schedules a retry honouring Retry-After on 429, and fails once the attempts are spent', async () => {
    partner.script('/busy', [], { status: 429, headers: { 'retry-after': '7' } });
    const d = await routed('busy', 'busy-article');
    const deliver = deliverHandler(() => deps);

    await deliver(sqsEvent([messageOf(d.deliveryId)]) as never, context);
    expect(await deps.deliveries.get(d.deliveryId)).toMatchObject({
      status: 'retrying',
      nextAttemptAt: '2026-03-01T08:00:07.000Z',
    });
    expect(recorded.enqueued.at(-1)?.delaySeconds).toBe(7);

    for (const later of ['2026-03-01T08:01:00Z', '2026-03-01T08:02:00Z']) {
      now = new Date(later);
      await deliver(sqsEvent([d.deliveryId]) as never, context);
    }
    expect(await deps.deliveries.get(d.deliveryId)).toMatchObject({
      status: 'failed',
      attemptCount: 3,
      lastError: 'HTTP 429',
    });
    expect(recorded.events.at(-1)).toMatchObject({ detailType: 'DeliveryFailed' });
  });

  it('retries a refused connection and sends nothing for a message that arrives before its time', async () => {
    const d = await routed('gone', 'gone-article', {
      channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/closed' }],
    });
    const deliver = deliverHandler(() => deps);
    await deliver(sqsEvent([messageOf(d.deliveryId)]) as never, context);
    const retrying = await deps.deliveries.get(d.deliveryId);
    expect(retrying).toMatchObject({
      status: 'retrying',
      attempts: [expect.objectContaining({ outcome: 'retry' })],
    });

    await deliver(sqsEvent([d.deliveryId]) as never, context);
    expect((await deps.deliveries.get(d.deliveryId))?.attemptCount).toBe(1);
  });

  it('discards, without sending, a delivery whose agreement was suspended meanwhile', async () => {
    partner.script('/later-suspended', []);
    const d = await routed('later-suspended', 'suspended-article');
    const agreement = await deps.agreements.get('later-suspended');
    if (!agreement) throw new Error('missing agreement');
    // No update API yet: write the suspended agreement over the item, as an operator's change would.
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    await dynamo.client.send(
      new PutCommand({
        TableName: deps.config.tableName,
        Item: {
          pk: 'AGREEMENT#later-suspended',
          sk: 'META',
          gsi1pk: 'AGREEMENTS#suspended',
          gsi1sk: 'later-suspended',
          entity: 'agreement',
          data: { ...agreement, status: 'suspended' },
        },
      }),
    );

    await deliverHandler(() => deps)(sqsEvent([messageOf(d.deliveryId)]) as never, context);

    expect(await deps.deliveries.get(d.deliveryId)).toMatchObject({
      status: 'discarded',
      lastError: 'agreement suspended',
    });
    expect(partner.to('/later-suspended')).toHaveLength(0);
  });
});
