import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3IngestStore } from '#adapters/aws/s3-ingest-store.ts';
import type { BroadcastAdapter, SentBroadcast } from '#adapters/channels/broadcast.ts';
import { NodeHttpClient } from '#adapters/channels/node-http-client.ts';
import { verifyWebhook } from '#domain/webhook-signature.ts';
import { newsItemGuid } from '#formats/newsml-g2.ts';
import { type FakeIngest, startFakeIngest } from '#infra/local/fakes/ingest.ts';
import { type ChannelOf, ChannelRefusal, type SendContext } from '#ports/channel-adapter.ts';
import { broadcastAdapterOn, startPackagesS3 } from '#test/support/broadcast-adapter.ts';
import { broadcastContext, type SeededPackage, seedPackage } from '#test/support/broadcast-package.ts';
import { validateNewsMl } from '#test/support/newsml-validator.ts';
import type { LocalS3 } from '#test/support/s3.ts';

type Channel = ChannelOf<'broadcast'>;

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const ARTICLE = 'hagiang-broadcast-http';

let s3: LocalS3;
let ingest: FakeIngest;
let v1: SeededPackage;
let v2: SeededPackage;
const http = new NodeHttpClient({ allowPrivateTargets: true });
const store = new S3IngestStore({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' });
let adapter: BroadcastAdapter;
let channel: Extract<Channel, { target: 'http' }>;

beforeAll(async () => {
  s3 = await startPackagesS3();
  v1 = await seedPackage(s3, { articleId: ARTICLE, version: 1 });
  v2 = await seedPackage(s3, { articleId: ARTICLE, version: 2, videoBytes: 1024 * 1024 });
  ingest = await startFakeIngest({ secret: SECRET });
  channel = {
    channelId: 'vtv4-ingest',
    type: 'broadcast',
    target: 'http',
    url: `${ingest.baseUrl}/loa/`,
    secretRef: 'broadcast/vtv4',
  };
  adapter = broadcastAdapterOn(s3, {
    http,
    secrets: { 'broadcast/vtv4': SECRET },
    ingest: store,
    provider: 'Cổng thông tin điện tử tỉnh Hà Giang',
  });
}, 60_000);

afterAll(async () => {
  http.close();
  store.close();
  await ingest?.close();
  await s3?.stop();
});

beforeEach(() => {
  ingest.requests.length = 0;
  ingest.files.clear();
});

async function publish(ctx: SendContext<Channel>) {
  const sent = await adapter.send(ctx, await adapter.prepare(ctx));
  return { sent, outcome: adapter.classify(sent, ctx) };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const dir = (pkg: SeededPackage) => `loa/${ARTICLE}/v${pkg.article.version}`;

describe('BroadcastAdapter pushing to an HTTP ingest', () => {
  it('puts the media, then item.rss, then newsml.xml last, each signed, and is delivered', async () => {
    const { sent, outcome } = await publish(broadcastContext(channel, v1));

    expect(outcome).toMatchObject({
      verdict: 'delivered',
      httpStatus: 201,
      remoteId: `${ingest.baseUrl}/${dir(v1)}/newsml.xml`,
    });
    expect(ingest.requests.map((r) => r.path)).toEqual([
      `${dir(v1)}/media/ky-ket-vtv4-ky-ket-vtv4.jpg`,
      `${dir(v1)}/media/ban-tin-video-ban-tin.mp4`,
      `${dir(v1)}/item.rss`,
      `${dir(v1)}/newsml.xml`,
    ]);
    expect(sent.written).toHaveLength(4);
    expect(ingest.requests.every((r) => r.verified === true && r.status === 201)).toBe(true);
    // Each file has its own message id, stable per delivery.
    expect(new Set(ingest.requests.map((r) => r.headers['webhook-id'])).size).toBe(4);
    expect(ingest.requests.map((r) => r.headers['content-type'])).toEqual([
      'image/jpeg',
      'video/mp4',
      'application/rss+xml; charset=utf-8',
      'application/vnd.iptc.g2.newsitem+xml; charset=utf-8',
    ]);
  }, 60_000);

  it('signs a media PUT over its method, URL path and length, and an XML PUT over its body', async () => {
    await publish(broadcastContext(channel, v1));

    const [jpeg, , rss] = ingest.requests;
    const check = (r: typeof jpeg, content: string) =>
      verifyWebhook(
        SECRET,
        String(r?.headers['webhook-id']),
        Number(r?.headers['webhook-timestamp']),
        content,
        String(r?.headers['webhook-signature']),
      );
    expect(check(jpeg, `PUT ${jpeg?.url} ${jpeg?.sizeBytes}`)).toBe(true);
    expect(check(jpeg, `PUT ${jpeg?.url} ${(jpeg?.sizeBytes ?? 0) + 1}`)).toBe(false);
    expect(check(rss, rss?.text ?? '')).toBe(true);
  }, 60_000);

  it('delivers every media byte for byte, and newsml.xml lists their sizes and SHA-256', async () => {
    await publish(broadcastContext(channel, v1));

    for (const m of v1.media) {
      const file = [...ingest.files.values()].find((f) => f.path.includes(`/media/${m.assetId}-`));
      expect(file?.contentType).toBe(m.contentType);
      expect(file?.sizeBytes).toBe(m.sizeBytes);
      expect(sha256(await readFile(file?.file ?? ''))).toBe(m.sha256);
    }
    const newsml = ingest.files.get(`${dir(v1)}/newsml.xml`)?.text ?? '';
    for (const m of v1.media) {
      const href = `${ingest.baseUrl}/${dir(v1)}/media/${m.assetId}-${m.key.split('/').at(-1)}`;
      expect(newsml).toContain(`href="${href}" size="${m.sizeBytes}" contenttype="${m.contentType}"`);
      expect(newsml).toContain(`>${m.sha256}</hash>`);
    }
    const rss = ingest.files.get(`${dir(v1)}/item.rss`)?.text ?? '';
    expect(rss).toContain(`<media:hash algo="sha-256">${v1.media[1]?.sha256}</media:hash>`);
  }, 60_000);

  it('pushes a newsml.xml that validates against the NewsML-G2 2.35 schema, its Vietnamese intact', async () => {
    await publish(broadcastContext(channel, v1));

    const file = ingest.files.get(`${dir(v1)}/newsml.xml`);
    const bytes = await readFile(file?.file ?? '');
    expect(await validateNewsMl(bytes.toString('utf8'))).toEqual({ valid: true, errors: [] });
    expect(bytes.includes(Buffer.from(`<headline>${v1.article.title}</headline>`, 'utf8'))).toBe(true);
    const rss = await readFile(ingest.files.get(`${dir(v1)}/item.rss`)?.file ?? '');
    expect(rss.includes(Buffer.from(`<title>${v1.article.title}</title>`, 'utf8'))).toBe(true);
  }, 60_000);

  it('fails on a 400 and writes nothing after the refused file', async () => {
    ingest.fail({ kind: 'status', status: 400, body: { error: 'unsupported media' }, on: '.mp4' });

    const { sent, outcome } = await publish(broadcastContext(channel, v1));

    expect(outcome).toMatchObject({
      verdict: 'failed',
      httpStatus: 400,
      error: `HTTP 400 on ${ARTICLE}/v1/media/ban-tin-video-ban-tin.mp4`,
    });
    expect(outcome.remoteId).toBeUndefined();
    expect(ingest.requests).toHaveLength(2);
    expect(sent.written).toEqual([`${ARTICLE}/v1/media/ky-ket-vtv4-ky-ket-vtv4.jpg`]);
    expect(ingest.files.has(`${dir(v1)}/newsml.xml`)).toBe(false);
  }, 60_000);

  it('retries on a 503', async () => {
    ingest.fail({ kind: 'status', status: 503, on: 'newsml.xml' });

    const { outcome } = await publish(broadcastContext(channel, v1));

    expect(outcome).toMatchObject({
      verdict: 'retry',
      httpStatus: 503,
      error: `HTTP 503 on ${ARTICLE}/v1/newsml.xml`,
    });
    expect(outcome.noAnswer).toBeUndefined();
  }, 60_000);

  it("retries on a 429 after the partner's Retry-After", async () => {
    ingest.fail({ kind: 'rate-limit', retryAfterSeconds: 120 });

    const { outcome } = await publish(broadcastContext(channel, v1));

    expect(outcome).toMatchObject({ verdict: 'retry', httpStatus: 429, waitMs: 120_000 });
    expect(ingest.requests).toHaveLength(1);
  }, 60_000);

  it('retries without an answer when the ingest hangs past the timeout', async () => {
    ingest.fail({ kind: 'hang', on: 'item.rss' });

    const { outcome } = await publish(broadcastContext(channel, v1, { timeoutMs: 500 }));

    expect(outcome).toMatchObject({
      verdict: 'retry',
      noAnswer: true,
      error: `timeout on ${ARTICLE}/v1/item.rss`,
    });
    expect(outcome.httpStatus).toBeUndefined();
  }, 60_000);

  it('retries without an answer when the ingest stops reading a video mid-way', async () => {
    ingest.fail({ kind: 'hang', on: '.mp4' });

    const { sent, outcome } = await publish(broadcastContext(channel, v1, { timeoutMs: 500 }));

    expect(outcome).toMatchObject({
      verdict: 'retry',
      noAnswer: true,
      error: `timeout on ${ARTICLE}/v1/media/ban-tin-video-ban-tin.mp4`,
    });
    expect(sent.sourceError).toBeUndefined();
    expect(ingest.requests).toHaveLength(2);
  }, 60_000);

  it('fails when the partner does not accept our signature', async () => {
    const other = await startFakeIngest({ secret: `whsec_${randomBytes(32).toString('base64')}` });
    try {
      const ctx = broadcastContext({ ...channel, url: other.baseUrl }, v1);
      const { outcome } = await publish(ctx);

      expect(outcome).toMatchObject({ verdict: 'failed', httpStatus: 401 });
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]?.verified).toBe(false);
    } finally {
      await other.close();
    }
  }, 60_000);

  it('sends an update as the new version under the same guid, with a higher version', async () => {
    await publish(broadcastContext(channel, v1));
    const { outcome } = await publish(
      broadcastContext(channel, v2, {
        delivery: { supersedes: { version: 1, remoteId: `${ingest.baseUrl}/${dir(v1)}/newsml.xml` } },
      }),
    );

    expect(outcome).toMatchObject({
      verdict: 'delivered',
      remoteId: `${ingest.baseUrl}/${dir(v2)}/newsml.xml`,
    });
    const first = ingest.files.get(`${dir(v1)}/newsml.xml`)?.text ?? '';
    const second = ingest.files.get(`${dir(v2)}/newsml.xml`)?.text ?? '';
    const guid = newsItemGuid(v1.manifest);
    expect(first).toContain(`guid="${guid}" version="1"`);
    expect(second).toContain(`guid="${guid}" version="2"`);
    expect(await validateNewsMl(second)).toEqual({ valid: true, errors: [] });
  }, 60_000);

  it('takes down with a signed kill notice: same guid, pubStatus canceled, one version up', async () => {
    const ctx = broadcastContext(channel, v1, {
      delivery: {
        kind: 'withdrawal',
        withdrawnAt: '2025-06-02T09:00:00.000Z',
        withdrawReason: 'Sai số liệu: bài được gỡ theo yêu cầu của Ban biên tập',
      },
    });

    const sent: SentBroadcast = await adapter.undo(ctx);
    const outcome = adapter.classify(sent, ctx);

    const path = `${dir(v1)}/newsml-canceled.xml`;
    expect(outcome).toMatchObject({ verdict: 'delivered', remoteId: `${ingest.baseUrl}/${path}` });
    expect(ingest.requests.map((r) => [r.path, r.verified])).toEqual([[path, true]]);
    const xml = ingest.files.get(path)?.text ?? '';
    expect(await validateNewsMl(xml)).toEqual({ valid: true, errors: [] });
    expect(xml).toContain(`guid="${newsItemGuid(v1.manifest)}" version="2"`);
    expect(xml).toContain('<pubStatus qcode="stat:canceled"/>');
    expect(xml).toContain('<versionCreated>2025-06-02T09:00:00.000Z</versionCreated>');
    expect(xml).toContain('Sai số liệu: bài được gỡ theo yêu cầu của Ban biên tập');
    expect(xml).not.toContain('remoteContent');
  }, 60_000);

  it('refuses, discarding, when the signing secret is missing from the secret store', async () => {
    const ctx = broadcastContext({ ...channel, secretRef: 'broadcast/removed' }, v1);

    const refusal = await adapter.prepare(ctx).catch((e: unknown) => e);

    expect(refusal).toBeInstanceOf(ChannelRefusal);
    expect(refusal).toMatchObject({
      message: 'broadcast signing secret missing from the secret store',
      discard: true,
    });
    await expect(adapter.undo(ctx)).rejects.toThrow(ChannelRefusal);
    expect(ingest.requests).toHaveLength(0);
  });

  it('refuses a target the SSRF guard refuses', async () => {
    const guarded = broadcastAdapterOn(s3, {
      http: new NodeHttpClient({ allowPrivateTargets: false }),
      secrets: { 'broadcast/vtv4': SECRET },
      ingest: store,
    });
    const ctx = broadcastContext(channel, v1);

    const refusal = await guarded.send(ctx, await guarded.prepare(ctx)).catch((e: unknown) => e);

    expect(refusal).toBeInstanceOf(ChannelRefusal);
    expect((refusal as Error).message).toMatch(/^target refused: /);
    expect(ingest.requests).toHaveLength(0);
  });

  it('names the ingest origin as its endpoint', () => {
    expect(adapter.endpoint(channel)).toBe(new URL(ingest.baseUrl).origin);
  });
});
