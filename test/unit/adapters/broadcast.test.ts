import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BroadcastAdapter } from '#adapters/channels/broadcast.ts';
import { NotFoundError } from '#domain/errors.ts';
import { type PackagedAsset, toNinjs } from '#formats/ninjs.ts';
import { s3Href } from '#formats/s3-href.ts';
import type { ChannelOf, SendContext } from '#ports/channel-adapter.ts';
import { ChannelRefusal } from '#ports/channel-adapter.ts';
import type { HttpClient } from '#ports/http-client.ts';
import type { IngestLocation, IngestResult, IngestStore } from '#ports/ingest-store.ts';
import type { PackageStore } from '#ports/package-store.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';

type S3Channel = Extract<ChannelOf<'broadcast'>, { target: 's3' }>;

const channel: S3Channel = {
  channelId: 'bucket',
  type: 'broadcast',
  target: 's3',
  bucket: 'partner-ingest',
  prefix: 'loa/',
  roleArn: 'arn:aws:iam::123456789012:role/loa-ingest',
};

const article = articleFixture({ articleId: 'unit-broadcast' });
const assets: PackagedAsset[] = article.assets.map((a) => ({
  ...a,
  key: `packages/unit-broadcast/v1/assets/${a.assetId}/photo.jpg`,
  sizeBytes: 1000,
}));

function ctx(bucket = 'loa-packages'): SendContext<S3Channel> {
  return {
    agreement: agreementFixture({ channels: [channel] }),
    channel,
    delivery: deliveryFixture({ articleId: 'unit-broadcast', channelId: 'bucket', channelType: 'broadcast' }),
    manifest: toNinjs(article, assets, { assetHref: (a) => s3Href(bucket, a.key) }),
    now: new Date('2025-06-01T08:00:00Z'),
    timeoutMs: 1000,
  };
}

/** An ingest that reads every body to its end, as S3 would, and records where each went. */
class MemoryIngest implements IngestStore {
  readonly writes: { location: IngestLocation; size: number; contentType: string }[] = [];
  async put(
    location: IngestLocation,
    body: string | Readable,
    meta: { contentType: string },
  ): Promise<IngestResult> {
    let size = 0;
    try {
      if (typeof body === 'string') size = Buffer.byteLength(body);
      else for await (const chunk of body) size += (chunk as Buffer).length;
    } catch (error) {
      return { kind: 'network-error', error: (error as Error).message, durationMs: 1 };
    }
    this.writes.push({ location, size, contentType: meta.contentType });
    return { kind: 'stored', durationMs: 1 };
  }
}

function packages(open: PackageStore['openObject']): PackageStore {
  const no = () => Promise.reject(new Error('not used'));
  return {
    bucket: 'loa-packages',
    copyAsset: no,
    digest: no,
    putManifest: no,
    getManifest: no,
    presignGet: no,
    openObject: open,
  };
}

const http: HttpClient = {
  post: () => Promise.reject(new Error('no HTTP')),
  request: () => Promise.reject(new Error('no HTTP')),
};
const secrets = { get: async () => undefined, put: async () => undefined };

function adapter(store: IngestStore, open: PackageStore['openObject']) {
  return new BroadcastAdapter({ http, secrets, packages: packages(open), ingest: store });
}

const bytes = (n: number) => Readable.from([Buffer.alloc(n, 7)]);

describe('BroadcastAdapter', () => {
  it("writes under the channel's prefix, assuming its role with the agreement id as external id", async () => {
    const store = new MemoryIngest();
    const a = adapter(store, async () => ({ body: bytes(1000), sizeBytes: 1000, contentType: 'image/jpeg' }));
    const c = ctx();

    const outcome = a.classify(await a.send(c, await a.prepare(c)), c);

    expect(outcome).toMatchObject({
      verdict: 'delivered',
      remoteId: 's3://partner-ingest/loa/unit-broadcast/v1/newsml.xml',
    });
    expect(store.writes.map((w) => w.location)).toEqual(
      ['media/ky-ket-vtv4-photo.jpg', 'item.rss', 'newsml.xml'].map((file) => ({
        bucket: 'partner-ingest',
        key: `loa/unit-broadcast/v1/${file}`,
        roleArn: channel.roleArn,
        externalId: 'vtv4-hagiang',
      })),
    );
  });

  it('refuses an asset whose rendition is not in the packages bucket', async () => {
    const a = adapter(new MemoryIngest(), async () => ({ body: bytes(1), sizeBytes: 1 }));

    await expect(a.prepare(ctx('someone-elses-bucket'))).rejects.toThrow(
      new ChannelRefusal(
        'asset ky-ket-vtv4 of unit-broadcast v1: its rendition is not an object of the packages bucket',
      ),
    );
  });

  it('refuses when a package object is missing, naming it', async () => {
    const store = new MemoryIngest();
    const a = adapter(store, async (key) => {
      throw new NotFoundError(`object s3://loa-packages/${key} does not exist`);
    });
    const c = ctx();

    await expect(a.send(c, await a.prepare(c))).rejects.toThrow(
      'package object s3://loa-packages/packages/unit-broadcast/v1/assets/ky-ket-vtv4/photo.jpg is missing',
    );
    expect(store.writes).toEqual([]);
  });

  it('retries, without blaming the partner, when the package stream fails mid-way', async () => {
    const store = new MemoryIngest();
    const failing = () =>
      new Readable({
        read() {
          this.push(Buffer.alloc(500));
          this.destroy(new Error('socket hang up'));
        },
      });
    const a = adapter(store, async () => ({ body: failing(), sizeBytes: 1000 }));
    const c = ctx();

    const sent = await a.send(c, await a.prepare(c));
    const outcome = a.classify(sent, c);

    expect(outcome).toMatchObject({
      verdict: 'retry',
      error: "reading the package's unit-broadcast/v1/media/ky-ket-vtv4-photo.jpg: socket hang up",
    });
    expect(outcome.noAnswer).toBeUndefined();
    expect(store.writes).toEqual([]);
    expect(sent.written).toEqual([]);
  });

  it('retries on S3 SlowDown and fails on AccessDenied', () => {
    const a = adapter(new MemoryIngest(), async () => ({ body: bytes(1), sizeBytes: 1 }));
    const c = ctx();
    const sent = (answer: IngestResult) => ({
      path: 'x/v1/newsml.xml',
      answer,
      written: [],
      remoteId: '',
      durationMs: 3,
    });

    expect(
      a.classify(sent({ kind: 'refused', status: 503, code: 'SlowDown', durationMs: 3 }), c),
    ).toMatchObject({
      verdict: 'retry',
      httpStatus: 503,
      error: 'S3 503 SlowDown on s3://partner-ingest/loa/x/v1/newsml.xml',
    });
    expect(
      a.classify(sent({ kind: 'refused', status: 403, code: 'AccessDenied', durationMs: 3 }), c),
    ).toMatchObject({
      verdict: 'failed',
      httpStatus: 403,
    });
  });
});
