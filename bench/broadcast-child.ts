/**
 * One job of the broadcast benchmark in a process of its own, so that its peak RSS is that job's.
 * bench/broadcast.ts bundles this file as the Lambda functions are bundled (no tsx in the process):
 *   baseline <s3-endpoint> <key> <sample.json>          GetObject of <key> from the packages bucket,
 *                                                       streamed and discarded (the floor: SDK + one stream)
 *   http <s3-endpoint> <key> <sample.json> <url>        BroadcastAdapter publish of an article whose one
 *                                                       asset is <key>, PUT to <url> (secret: LOA_BENCH_SECRET)
 *   s3 <s3-endpoint> <key> <sample.json> <bucket>       the same, written with S3IngestStore to <bucket>
 * It sends one IPC message with what it measured. RSS is sampled every 10 ms; the kernel's
 * high-water mark (resourceUsage().maxRSS) is reported too, as it also sees what falls between samples.
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from '#adapters/aws/clients.ts';
import { S3IngestStore } from '#adapters/aws/s3-ingest-store.ts';
import { S3PackageStore } from '#adapters/aws/s3-package-store.ts';
import { BroadcastAdapter } from '#adapters/channels/broadcast.ts';
import { NodeHttpClient } from '#adapters/channels/node-http-client.ts';
import { toNinjs } from '#formats/ninjs.ts';
import { s3Href } from '#formats/s3-href.ts';
import type { ChannelOf, ChannelOutcome, SendContext } from '#ports/channel-adapter.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Article } from '#schemas/article.ts';
import { maxRss, rssSampler } from './memory.ts';

const PACKAGES_BUCKET = 'loa-packages';

async function publish(
  mode: 'http' | 's3',
  endpoint: string,
  key: string,
  samplePath: string,
  target: string,
): Promise<ChannelOutcome> {
  const s3 = s3Client('us-east-1', endpoint);
  const packages = new S3PackageStore({ s3, bucket: PACKAGES_BUCKET });
  const head = await packages.openObject(key);
  head.body.destroy();
  const sample = (JSON.parse(readFileSync(samplePath, 'utf8')) as { Detail: { article: Article } }).Detail
    .article;
  const article: Article = {
    ...sample,
    articleId: 'bench-broadcast',
    assets: [
      {
        assetId: 'video-1gb',
        uri: 's3://loa-content/bench/video-1gb.mp4',
        mimeType: 'video/mp4',
        title: 'Một video 1 GB',
        durationSeconds: 600,
      },
    ],
  };
  const manifest = toNinjs(
    article,
    article.assets.map((a) => ({ ...a, key, sizeBytes: head.sizeBytes })),
    { assetHref: (a) => s3Href(PACKAGES_BUCKET, a.key) },
  );
  const channel: ChannelOf<'broadcast'> =
    mode === 'http'
      ? { channelId: 'bench', type: 'broadcast', target: 'http', url: target, secretRef: 'bench' }
      : { channelId: 'bench', type: 'broadcast', target: 's3', bucket: target, prefix: 'bench/' };
  const now = new Date();
  const agreement = {
    agreementId: 'bench',
    partner: { partnerId: 'bench', name: 'Bench' },
    channels: [channel],
  } as Agreement;
  const ctx: SendContext<ChannelOf<'broadcast'>> = {
    agreement,
    channel,
    delivery: {
      deliveryId: 'dlv_bench',
      agreementId: 'bench',
      partnerId: 'bench',
      channelId: 'bench',
      channelType: 'broadcast',
      articleId: article.articleId,
      version: 1,
      title: article.title,
      manifest: { bucket: PACKAGES_BUCKET, key: 'packages/bench-broadcast/v1/ninjs.json' },
      status: 'pending',
      attemptCount: 0,
      attempts: [],
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      replayCount: 0,
      reason: 'bench',
    },
    manifest,
    now,
    timeoutMs: 60_000,
  };
  const http = new NodeHttpClient({ allowPrivateTargets: true });
  const ingest = new S3IngestStore({ region: 'us-east-1', endpoint });
  const secret = process.env.LOA_BENCH_SECRET ?? '';
  const adapter = new BroadcastAdapter({
    http,
    secrets: { get: async () => secret, put: async () => undefined },
    packages,
    ingest,
  });
  try {
    return adapter.classify(await adapter.send(ctx, await adapter.prepare(ctx)), ctx);
  } finally {
    http.close();
    ingest.close();
    s3.destroy();
  }
}

async function baseline(endpoint: string, key: string): Promise<number> {
  const s3 = s3Client('us-east-1', endpoint);
  const res = await s3.send(new GetObjectCommand({ Bucket: PACKAGES_BUCKET, Key: key }));
  let bytes = 0;
  for await (const chunk of res.Body as Readable) bytes += (chunk as Buffer).length;
  s3.destroy();
  return bytes;
}

const [mode, endpoint = '', key = '', samplePath = '', target = ''] = process.argv.slice(2);
if (mode === 'baseline' || mode === 'http' || mode === 's3') {
  const startRss = process.memoryUsage.rss();
  const rss = rssSampler();
  const started = performance.now();
  const result =
    mode === 'baseline'
      ? { bytes: await baseline(endpoint, key) }
      : { outcome: await publish(mode, endpoint, key, samplePath, target) };
  const ms = performance.now() - started;
  const peakRss = rss.take();
  rss.stop();
  process.send?.({ ms, startRss, peakRss, maxRss: maxRss(), ...result });
  process.disconnect?.();
} else {
  console.error(`unknown mode ${mode}: baseline, http or s3`);
  process.exit(2);
}
