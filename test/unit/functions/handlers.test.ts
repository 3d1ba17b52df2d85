import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import type { Deps } from '#app/deps.ts';
import { MissingAssetError } from '#domain/errors.ts';
import { VersionConflictError } from '#domain/package-identity.ts';
import { makeHandler as deliverHandler } from '#functions/deliver-webhook/handler.ts';
import { makeHandler as packageHandler } from '#functions/package/handler.ts';
import type { PackageStore } from '#ports/package-store.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { MemoryDeliveryStore } from '#test/support/memory/deliveries.ts';
import { MemoryPackageStore, MemoryRejectionStore, RecordingPublisher } from '#test/support/memory/ports.ts';
import { MemoryWithdrawalStore } from '#test/support/memory/records.ts';

const context = {} as never;

/** Deps where every port throws unless the test provides it: a handler touching more fails loudly. */
function fakeDeps(parts: Partial<Deps>): Deps {
  const base = {
    logger: new Logger({ logLevel: 'SILENT' }),
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    config: { retryPolicy: { timeoutMs: 10_000 }, contentBucket: 'loa-content' } as Deps['config'],
  };
  return new Proxy({ ...base, ...parts } as Deps, {
    get(target, prop: string) {
      if (prop in target) return target[prop as keyof Deps];
      throw new Error(`unexpected use of deps.${prop}`);
    },
  });
}

/** A delivery store whose reads are `get`. */
function deliveriesWhere(get: MemoryDeliveryStore['get']): MemoryDeliveryStore {
  const store = new MemoryDeliveryStore();
  store.get = get;
  return store;
}

/** An empty package store (nothing packaged yet: NotFoundError), with `scripted` in place of its own. */
function packagesWhere(scripted: Partial<Pick<PackageStore, 'getManifest' | 'copyAsset'>>): PackageStore {
  return Object.assign(new MemoryPackageStore(), scripted);
}

const envelope = (detail: unknown) => ({
  id: 'evt-1',
  'detail-type': 'ContentApproved',
  source: 'loa.cms',
  time: '2026-01-01T00:00:00Z',
  detail,
});

describe('deliver-webhook handler', () => {
  it('reports a message whose attempt throws as a batch item failure and still handles the others', async () => {
    const seen: string[] = [];
    const deps = fakeDeps({
      deliveries: deliveriesWhere(async (id) => {
        seen.push(id);
        if (id === 'dlv_boom') throw new Error('throttled');
        return undefined;
      }),
      publisher: new RecordingPublisher(),
    });
    const event = {
      Records: [
        { messageId: 'm1', body: JSON.stringify({ deliveryId: 'dlv_boom', trigger: 'scheduled' }) },
        { messageId: 'm2', body: JSON.stringify({ deliveryId: 'dlv_fine', trigger: 'scheduled' }) },
      ],
    };

    const out = await deliverHandler(() => deps)(event as never, context);

    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    // The two reads go together (one BatchGetItem on DynamoDB); when that fails, each is read alone,
    // so only the record whose own read throws fails.
    expect(seen).toEqual(['dlv_boom', 'dlv_fine', 'dlv_boom', 'dlv_fine']);
  });

  it("reads the deliveries of a batch's records that start together in one request, each strongly consistent", async () => {
    const store = new MemoryDeliveryStore();
    const batches: string[][] = [];
    const singles: string[] = [];
    const get = store.get.bind(store);
    store.get = async (id) => {
      singles.push(id);
      return get(id);
    };
    store.getMany = async (ids) => {
      batches.push([...ids]);
      return new Map();
    };
    const deps = fakeDeps({ deliveries: store, publisher: new RecordingPublisher() });
    const records = ['a', 'b', 'c'].map((id, i) => ({
      messageId: `m${i}`,
      body: JSON.stringify({ deliveryId: `dlv_${id}`, trigger: 'scheduled' }),
    }));

    const out = await deliverHandler(() => deps)({ Records: records } as never, context);

    expect(out.batchItemFailures).toEqual([]);
    expect(batches).toEqual([['dlv_a', 'dlv_b', 'dlv_c']]);
    expect(singles).toEqual([]);
  });

  it('hands back, unattempted, the messages it has no time left for before the Lambda timeout', async () => {
    const seen: string[] = [];
    const deps = fakeDeps({
      deliveries: deliveriesWhere(async (id) => {
        seen.push(id);
        return undefined;
      }),
      publisher: new RecordingPublisher(),
    });
    const remaining = [30_000, 11_000];
    const lambdaContext = { getRemainingTimeInMillis: () => remaining.shift() ?? 0 };
    const records = ['a', 'b', 'c'].map((id, i) => ({
      messageId: `m${i}`,
      body: JSON.stringify({ deliveryId: `dlv_${id}`, trigger: 'scheduled' }),
    }));

    const out = await deliverHandler(() => deps)({ Records: records } as never, lambdaContext as never);

    expect(seen).toEqual(['dlv_a']);
    expect(out.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
  });

  it('drops a malformed message instead of retrying it forever', async () => {
    const deps = fakeDeps({ publisher: new RecordingPublisher() });
    const out = await deliverHandler(() => deps)(
      { Records: [{ messageId: 'm1', body: '{"deliveryId":"../x"}' }] } as never,
      context,
    );
    expect(out.batchItemFailures).toEqual([]);
  });
});

describe('package handler', () => {
  /** No withdrawal marker: the article may be packaged. */
  const notWithdrawn = () => new MemoryWithdrawalStore();
  const recorder = () => {
    const store = new MemoryRejectionStore();
    return { rejections: store.items, store };
  };

  it('records a missing asset as a rejection and returns, so the bus does not retry', async () => {
    const { rejections, store } = recorder();
    const deps = fakeDeps({
      withdrawals: notWithdrawn(),
      rejections: store,
      packages: packagesWhere({
        copyAsset: async () => {
          throw new MissingAssetError('asset s3://loa-content/x.jpg does not exist');
        },
      }),
    });

    await packageHandler(() => deps)(envelope({ article: articleFixture() }), context);

    expect(rejections).toEqual([
      expect.objectContaining({
        handler: 'package',
        eventId: 'evt-1',
        problems: ['asset s3://loa-content/x.jpg does not exist'],
      }),
    ]);
  });

  it('records a conflicting re-approval of a packaged version as a version-conflict rejection', async () => {
    const { rejections, store } = recorder();
    const conflict = new VersionConflictError('a1', 2, ['body', 'title']);
    const deps = fakeDeps({
      withdrawals: notWithdrawn(),
      rejections: store,
      packages: packagesWhere({
        getManifest: async () => {
          throw conflict;
        },
      }),
    });

    await packageHandler(() => deps)(envelope({ article: articleFixture() }), context);

    expect(rejections).toEqual([
      expect.objectContaining({
        handler: 'package',
        problems: [expect.stringMatching(/^version-conflict: .*differs: body, title/)],
      }),
    ]);
  });

  it('records an envelope that is not one, naming what is missing', async () => {
    const { rejections, store } = recorder();
    await packageHandler(() => fakeDeps({ rejections: store }))({ hello: 'world' }, context);
    expect(rejections[0]?.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^id: /), expect.stringMatching(/^detail-type: /)]),
    );
  });

  it('lets an unexpected error through so the bus retries the event', async () => {
    const deps = fakeDeps({
      withdrawals: notWithdrawn(),
      packages: packagesWhere({
        copyAsset: async () => {
          throw new Error('S3 is down');
        },
      }),
    });
    await expect(
      packageHandler(() => deps)(envelope({ article: articleFixture() }), context),
    ).rejects.toThrow('S3 is down');
  });
});
