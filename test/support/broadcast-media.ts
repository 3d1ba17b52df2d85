import type { BroadcastMedia } from '#formats/newsml-g2.ts';
import { type NinjsDocument, type PackagedAsset, toNinjs } from '#formats/ninjs.ts';
import type { Article } from '#schemas/article.ts';

/** A recognisable fake SHA-256 (64 hex digits) for the n-th asset. */
export const SHA = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

/** The version's ninjs as packaged: each asset under `k/{assetId}` in the packages bucket. */
export function packagedManifest(article: Article): NinjsDocument {
  const assets: PackagedAsset[] = article.assets.map((a, i) => ({
    ...a,
    key: `k/${a.assetId}`,
    sizeBytes: 1000 + i,
  }));
  return toNinjs(article, assets, { assetHref: (a) => `s3://loa-packages/${a.key}` });
}

/** The assets as the broadcast adapter pushed them: partner-side hrefs (`hrefOf`), sizes and digests. */
export function pushedMedia(article: Article, hrefOf: (assetId: string) => string): BroadcastMedia[] {
  return article.assets.map((a, i) => ({
    assetId: a.assetId,
    href: hrefOf(a.assetId),
    contentType: a.mimeType,
    sizeBytes: 48_213 + i,
    sha256: SHA(i + 1),
    width: a.width,
    height: a.height,
    durationSeconds: a.durationSeconds,
    title: a.title,
    description: a.altText,
    credit: a.credit,
  }));
}
