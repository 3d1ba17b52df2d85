import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3IngestStore } from '#adapters/aws/s3-ingest-store.ts';
import type { BroadcastAdapter } from '#adapters/channels/broadcast.ts';
import { NodeHttpClient } from '#adapters/channels/node-http-client.ts';
import { newsItemGuid } from '#formats/newsml-g2.ts';
import type { ChannelOf, SendContext } from '#ports/channel-adapter.ts';
import type { IngestStore } from '#ports/ingest-store.ts';
import { broadcastAdapterOn, startPackagesS3 } from '#test/support/broadcast-adapter.ts';
import { broadcastContext, type SeededPackage, seedPackage } from '#test/support/broadcast-package.ts';
import { refusedUrl } from '#test/support/fault-partner.ts';
import { validateNewsMl } from '#test/support/newsml-validator.ts';
import type { LocalS3 } from '#test/support/s3.ts';

type S3Channel = Extract<ChannelOf<'broadcast'>, { target: 's3' }>;

const INGEST_BUCKET = 'vtv4-ingest';
const ARTICLE = 'hagiang-broadcast-s3';

let s3: LocalS3;
let store: S3IngestStore;
let pkg: SeededPackage;
const http = new NodeHttpClient({ allowPrivateTargets: true });
const channel: S3Channel = {
  channelId: 'vtv4-bucket',
  type: 'broadcast',
  target: 's3',
  bucket: INGEST_BUCKET,
  prefix: 'loa/incoming/',
};

const adapterWith = (ingest: IngestStore) => broadcastAdapterOn(s3, { http, ingest });

beforeAll(async () => {
  s3 = await startPackagesS3();
  await s3.createBucket(INGEST_BUCKET);
  pkg = await seedPackage(s3, { articleId: ARTICLE });
  store = new S3IngestStore({ region: 'us-east-1', endpoint: s3.endpoint });
}, 60_000);

afterAll(async () => {
  http.close();
  store?.close();
  await s3?.stop();
});

async function publish(adapter: BroadcastAdapter, ctx: SendContext<ChannelOf<'broadcast'>>) {
  const sent = await adapter.send(ctx, await adapter.prepare(ctx));
  return { sent, outcome: adapter.classify(sent, ctx) };
}

async function getObject(key: string) {
  const res = await s3.client.send(new GetObjectCommand({ Bucket: INGEST_BUCKET, Key: key }));
  const bytes = Buffer.from((await res.Body?.transformToByteArray()) ?? []);
  return { bytes, contentType: res.ContentType, etag: res.ETag };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const dir = `loa/incoming/${ARTICLE}/v1`;

/** An S3 front that answers every request with one error, as S3 words it. */
async function erringS3(status: number, code: string): Promise<{ endpoint: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res
        .writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': 'FAKE' })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message><RequestId>FAKE</RequestId></Error>`,
        ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A pass-through to s3rver that records each request's method and path (query included). */
async function recordingProxy(target: string) {
  const seen: string[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('BroadcastAdapter writing to an S3 ingest bucket', () => {
  it('writes the media, item.rss and newsml.xml under the prefix, with their types and bytes', async () => {
    const { sent, outcome } = await publish(adapterWith(store), broadcastContext(channel, pkg));

    expect(outcome).toMatchObject({
      verdict: 'delivered',
      remoteId: `s3://${INGEST_BUCKET}/${dir}/newsml.xml`,
    });
    expect(sent.written).toEqual([
      `${ARTICLE}/v1/media/ky-ket-vtv4-ky-ket-vtv4.jpg`,
      `${ARTICLE}/v1/media/ban-tin-video-ban-tin.mp4`,
      `${ARTICLE}/v1/item.rss`,
      `${ARTICLE}/v1/newsml.xml`,
    ]);
    const listed = await s3.client.send(
      new ListObjectsV2Command({ Bucket: INGEST_BUCKET, Prefix: `${dir}/` }),
    );
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(
      sent.written.map((p) => `loa/incoming/${p}`).sort(),
    );

    for (const m of pkg.media) {
      const object = await getObject(`${dir}/media/${m.assetId}-${m.key.split('/').at(-1)}`);
      expect(object.contentType).toBe(m.contentType);
      expect(object.bytes.length).toBe(m.sizeBytes);
      expect(sha256(object.bytes)).toBe(m.sha256);
    }
    expect((await getObject(`${dir}/item.rss`)).contentType).toBe('application/rss+xml; charset=utf-8');
  }, 60_000);

  it('uploads a video above one part in 8 MiB parts, and a small file in one PUT', async () => {
    const proxy = await recordingProxy(s3.endpoint);
    const watched = new S3IngestStore({ region: 'us-east-1', endpoint: proxy.endpoint });
    try {
      const { outcome } = await publish(adapterWith(watched), broadcastContext(channel, pkg));

      expect(outcome.verdict).toBe('delivered');
      const video = proxy.seen.filter((r) => r.includes('/media/ban-tin-video-ban-tin.mp4'));
      const kinds = video.map((r) =>
        r.startsWith('POST') && r.includes('?uploads')
          ? 'create'
          : r.startsWith('PUT') && r.includes('partNumber=')
            ? 'part'
            : r.startsWith('POST') && r.includes('uploadId=')
              ? 'complete'
              : r,
      );
      // 20 MiB: two parts of 8 MiB and one of 4 MiB.
      expect(kinds).toEqual(['create', 'part', 'part', 'part', 'complete']);
      expect(proxy.seen.filter((r) => r.includes('/media/ky-ket-vtv4'))).toEqual([
        `PUT /${INGEST_BUCKET}/${dir}/media/ky-ket-vtv4-ky-ket-vtv4.jpg?x-id=PutObject`,
      ]);
    } finally {
      watched.close();
      await proxy.close();
    }
  }, 60_000);

  it('writes a newsml.xml that validates and names each media by its s3:// location and SHA-256', async () => {
    await publish(adapterWith(store), broadcastContext(channel, pkg));

    const newsml = await getObject(`${dir}/newsml.xml`);
    expect(newsml.contentType).toBe('application/vnd.iptc.g2.newsitem+xml; charset=utf-8');
    const xml = newsml.bytes.toString('utf8');
    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    for (const m of pkg.media) {
      const href = `s3://${INGEST_BUCKET}/${dir}/media/${m.assetId}-${m.key.split('/').at(-1)}`;
      expect(xml).toContain(`href="${href}" size="${m.sizeBytes}"`);
      expect(xml).toContain(`>${m.sha256}</hash>`);
    }
    expect(newsml.bytes.includes(Buffer.from(pkg.article.title, 'utf8'))).toBe(true);
  }, 60_000);

  it('fails with the missing bucket named when the partner bucket does not exist', async () => {
    const ctx = broadcastContext({ ...channel, bucket: 'vtv4-no-such-bucket' }, pkg);

    const { sent, outcome } = await publish(adapterWith(store), ctx);

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 404,
      error: `S3 404 NoSuchBucket on s3://vtv4-no-such-bucket/loa/incoming/${ARTICLE}/v1/media/ky-ket-vtv4-ky-ket-vtv4.jpg`,
    });
    expect(sent.written).toEqual([]);
  }, 60_000);

  it('fails on AccessDenied and retries on SlowDown, as S3 words them', async () => {
    for (const [status, code, verdict] of [
      [403, 'AccessDenied', 'failed'],
      [503, 'SlowDown', 'retry'],
      [500, 'InternalError', 'retry'],
    ] as const) {
      const { endpoint, server } = await erringS3(status, code);
      const erring = new S3IngestStore({ region: 'us-east-1', endpoint });
      try {
        const { outcome } = await publish(adapterWith(erring), broadcastContext(channel, pkg));

        expect(outcome).toMatchObject({ verdict, httpStatus: status });
        expect(outcome.error).toMatch(new RegExp(`^S3 ${status} ${code} on s3://${INGEST_BUCKET}/`));
      } finally {
        erring.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  }, 60_000);

  it('retries without an answer when S3 cannot be reached', async () => {
    const unreachable = new S3IngestStore({
      region: 'us-east-1',
      endpoint: new URL(await refusedUrl()).origin,
    });
    try {
      const { outcome } = await publish(adapterWith(unreachable), broadcastContext(channel, pkg));

      expect(outcome).toMatchObject({ verdict: 'retry', noAnswer: true });
      expect(outcome.error).toMatch(/ECONNREFUSED/);
    } finally {
      unreachable.close();
    }
  }, 60_000);

  it('writes the kill notice beside the withdrawn version', async () => {
    const ctx = broadcastContext(channel, pkg, {
      delivery: { kind: 'withdrawal', withdrawnAt: '2025-06-03T01:02:03.000Z', withdrawReason: 'Gỡ bài' },
    });
    const adapter = adapterWith(store);

    const outcome = adapter.classify(await adapter.undo(ctx), ctx);

    const key = `${dir}/newsml-canceled.xml`;
    expect(outcome).toMatchObject({ verdict: 'delivered', remoteId: `s3://${INGEST_BUCKET}/${key}` });
    const xml = (await getObject(key)).bytes.toString('utf8');
    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    expect(xml).toContain(`guid="${newsItemGuid(pkg.manifest)}" version="2"`);
    expect(xml).toContain('<pubStatus qcode="stat:canceled"/>');
  }, 60_000);

  it('names the bucket as its endpoint', () => {
    expect(adapterWith(store).endpoint(channel)).toBe(`s3://${INGEST_BUCKET}`);
  });
});
