import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3PackageStore } from '#adapters/aws/s3-package-store.ts';
import { packagePrefix } from '#app/package-article.ts';
import type { Delivery } from '#domain/delivery.ts';
import { type NinjsDocument, type PackagedAsset, toNinjs } from '#formats/ninjs.ts';
import { s3Href } from '#formats/s3-href.ts';
import type { ChannelOf, SendContext } from '#ports/channel-adapter.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { Article } from '#schemas/article.ts';
import { agreementFixture } from '#test/fixtures/agreements.ts';
import { articleFixture } from '#test/fixtures/articles.ts';
import { deliveryFixture } from '#test/fixtures/deliveries.ts';
import { MemorySecrets } from './channel-attempt.ts';
import type { LocalS3 } from './s3.ts';

export const PACKAGES_BUCKET = 'loa-packages';
const JPEG = readFileSync(fileURLToPath(new URL('../../events/assets/ky-ket-vtv4.jpg', import.meta.url)));

/** One seeded media object: its bytes' size and SHA-256, as a partner should receive them. */
export interface SeededMedia {
  assetId: string;
  key: string;
  sizeBytes: number;
  sha256: string;
  contentType: string;
}

export interface SeededPackage {
  article: Article;
  manifest: NinjsDocument;
  media: SeededMedia[];
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * An article version packaged as packageArticle leaves it in the packages bucket: the sample JPEG and,
 * unless `videoBytes` is 0, a generated "video" of that many random bytes (above lib-storage's 8 MiB
 * part, so an S3 push is multipart), and the ninjs manifest built with toNinjs.
 */
export async function seedPackage(
  s3: LocalS3,
  options: { articleId: string; version?: number; videoBytes?: number },
): Promise<SeededPackage> {
  const version = options.version ?? 1;
  const videoBytes = options.videoBytes ?? 20 * 1024 * 1024;
  const base = articleFixture({ articleId: options.articleId, version });
  const sources: { asset: Article['assets'][number]; bytes: Buffer; basename: string }[] = [
    { asset: base.assets[0] as Article['assets'][number], bytes: JPEG, basename: 'ky-ket-vtv4.jpg' },
  ];
  if (videoBytes > 0) {
    sources.push({
      asset: {
        assetId: 'ban-tin-video',
        uri: `s3://loa-content/test/${options.articleId}/ban-tin.mp4`,
        mimeType: 'video/mp4',
        title: 'Bản tin: Lễ ký kết tại Hà Giang',
        durationSeconds: 95,
        width: 1920,
        height: 1080,
      },
      bytes: randomBytes(videoBytes),
      basename: 'ban-tin.mp4',
    });
  }
  const article: Article = { ...base, assets: sources.map((s) => s.asset) };
  const prefix = packagePrefix(article.articleId, version);
  const packaged: PackagedAsset[] = [];
  const media: SeededMedia[] = [];
  for (const { asset, bytes, basename } of sources) {
    const key = `${prefix}/assets/${asset.assetId}/${basename}`;
    await s3.client.send(
      new PutObjectCommand({ Bucket: PACKAGES_BUCKET, Key: key, Body: bytes, ContentType: asset.mimeType }),
    );
    packaged.push({ ...asset, key, sizeBytes: bytes.length });
    media.push({
      assetId: asset.assetId,
      key,
      sizeBytes: bytes.length,
      sha256: sha256(bytes),
      contentType: asset.mimeType,
    });
  }
  const manifest = toNinjs(article, packaged, { assetHref: (a) => s3Href(PACKAGES_BUCKET, a.key) });
  return { article, manifest, media };
}

export const packageStore = (s3: LocalS3) => new S3PackageStore({ s3: s3.client, bucket: PACKAGES_BUCKET });

/** An in-memory secret store. */
export const memorySecrets = (initial: Record<string, string> = {}): SecretStore =>
  new MemorySecrets(initial);

/** A SendContext for one broadcast channel, from the fixtures. */
export function broadcastContext(
  channel: ChannelOf<'broadcast'>,
  pkg: SeededPackage,
  overrides: { delivery?: Partial<Delivery>; timeoutMs?: number; now?: Date } = {},
): SendContext<ChannelOf<'broadcast'>> {
  const agreement = agreementFixture({ channels: [channel] });
  return {
    agreement,
    channel,
    delivery: deliveryFixture({
      articleId: pkg.article.articleId,
      version: pkg.article.version,
      channelId: channel.channelId,
      channelType: 'broadcast',
      ...overrides.delivery,
    }),
    manifest: pkg.manifest,
    now: overrides.now ?? new Date(),
    timeoutMs: overrides.timeoutMs ?? 10_000,
  };
}
