import { createHash } from 'node:crypto';
import type { Deps } from '#app/deps.ts';
import { InvalidInputError } from '#domain/errors.ts';
import { sanitizeArticleHtml } from '#domain/html-policy.ts';
import { SourceRefusedError, type SourceRule, sourceProblem } from '#domain/source-buckets.ts';
import { type PackagedAsset, toNinjs } from '#formats/ninjs.ts';
import { type Article, type Asset, parseS3Uri } from '#schemas/article.ts';
import { DETAIL_TYPE, type PackageReady, SOURCE } from '#schemas/events.ts';

export type PackageDeps = Pick<Deps, 'packages' | 'publisher' | 'clock' | 'logger'>;

/** Where one article version's package lives; the same version always maps to the same keys. */
export function packagePrefix(articleId: string, version: number): string {
  return `packages/${articleId}/v${version}`;
}

/** The one key the manifest of an article version may have: route refuses a PackageReady naming another. */
export function manifestKeyFor(articleId: string, version: number): string {
  return `${packagePrefix(articleId, version)}/ninjs.json`;
}

/** Hex SHA-256 of a manifest's UTF-8 bytes, as written to (and read back from) the packages bucket. */
export function manifestSha256(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** An `s3://` URI for a key; segments are percent-encoded so the href is a valid URI whatever the key. */
export function s3Href(bucket: string, key: string): string {
  return `s3://${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The bucket and key an `s3Href` names (segments decoded); null when it is not one. */
export function parseS3Href(href: string): { bucket: string; key: string } | null {
  const parsed = parseS3Uri(href);
  if (!parsed) return null;
  try {
    return { bucket: parsed.bucket, key: parsed.key.split('/').map(decodeURIComponent).join('/') };
  } catch {
    return null; // malformed percent-encoding: not an href we wrote
  }
}

async function copyOne(deps: PackageDeps, prefix: string, asset: Asset): Promise<PackagedAsset> {
  const source = parseS3Uri(asset.uri);
  // The schema already refused such URIs; this guards callers that skipped it.
  if (!source) throw new InvalidInputError('asset', [`${asset.assetId}: not an s3://bucket/key URI`]);
  const basename = source.key.slice(source.key.lastIndexOf('/') + 1);
  const key = `${prefix}/assets/${asset.assetId}/${basename}`;
  const { sizeBytes } = await deps.packages.copyAsset(source, key);
  return { ...asset, key, sizeBytes };
}

/**
 * Copies the article's assets, writes its ninjs manifest and announces PackageReady.
 * Safe to repeat: the same version rewrites the same keys and publishes again (routing de-duplicates).
 */
export async function packageArticle(
  deps: PackageDeps,
  article: Article,
  /** Where assets may come from (config `sourceRules`); every asset is checked before any is copied. */
  sources?: readonly SourceRule[],
): Promise<PackageReady> {
  if (sources) {
    const problems = article.assets.flatMap((a, i) => {
      const at = parseS3Uri(a.uri);
      const why = at ? sourceProblem(sources, at.bucket, at.key) : 'not an s3://bucket/key URI';
      return why ? [`article.assets.${i}.uri: ${why}`] : [];
    });
    if (problems.length) throw new SourceRefusedError(problems.join('; '));
  }
  const prefix = packagePrefix(article.articleId, article.version);
  const assets = await Promise.all(article.assets.map((asset) => copyOne(deps, prefix, asset)));
  // Sanitised once here, so the stored manifest, every channel and every feed carry the same safe HTML.
  const bodyHtml = sanitizeArticleHtml(article.bodyHtml);
  if (bodyHtml !== article.bodyHtml) {
    deps.logger.warn('article body sanitised: markup outside the allow-list removed', {
      articleId: article.articleId,
      version: article.version,
      bytesBefore: Buffer.byteLength(article.bodyHtml),
      bytesAfter: Buffer.byteLength(bodyHtml),
    });
  }
  const doc = toNinjs({ ...article, bodyHtml }, assets, {
    assetHref: (a) => s3Href(deps.packages.bucket, a.key),
  });
  const manifestKey = manifestKeyFor(article.articleId, article.version);
  const manifestBody = JSON.stringify(doc);
  await deps.packages.putManifest(manifestKey, manifestBody);

  const ready: PackageReady = {
    articleId: article.articleId,
    version: article.version,
    language: article.language,
    topics: article.topics,
    title: article.title,
    ...(article.embargoUntil && { embargoUntil: article.embargoUntil }),
    manifest: { bucket: deps.packages.bucket, key: manifestKey },
    manifestSha256: manifestSha256(manifestBody),
    assetIds: article.assets.map((a) => a.assetId),
    packagedAt: deps.clock.now().toISOString(),
  };
  await deps.publisher.publish([
    { source: SOURCE.package, detailType: DETAIL_TYPE.packageReady, detail: ready },
  ]);
  deps.logger.info('package ready', { articleId: article.articleId, version: article.version, manifestKey });
  return ready;
}
