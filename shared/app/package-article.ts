import { createHash } from 'node:crypto';
import type { Deps } from '#app/deps.ts';
import { InvalidInputError, NotFoundError } from '#domain/errors.ts';
import { sanitizeArticleHtml } from '#domain/html-policy.ts';
import { contentDifferences, VersionConflictError } from '#domain/package-identity.ts';
import { SourceRefusedError, type SourceRule, sourceProblem } from '#domain/source-buckets.ts';
import { type NinjsDocument, type PackagedAsset, toNinjs } from '#formats/ninjs.ts';
import { contentParts, hasAssetHashes } from '#formats/ninjs-parts.ts';
import { s3Href } from '#formats/s3-href.ts';
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

async function copyOne(deps: PackageDeps, prefix: string, asset: Asset): Promise<PackagedAsset> {
  const source = parseS3Uri(asset.uri);
  // The schema already refused such URIs; this guards callers that skipped it.
  if (!source) throw new InvalidInputError('asset', [`${asset.assetId}: not an s3://bucket/key URI`]);
  const basename = source.key.slice(source.key.lastIndexOf('/') + 1);
  const key = `${prefix}/assets/${asset.assetId}/${basename}`;
  await deps.packages.copyAsset(source, key);
  // The copy's own bytes, hashed: what the manifest states is what partners will fetch.
  const { sha256, sizeBytes } = await deps.packages.digest({ bucket: deps.packages.bucket, key });
  return { ...asset, key, sizeBytes, sha256 };
}

/** An asset as it would be packaged, hashed at its source and copied nowhere (a re-approval's check). */
async function digestSource(prefix: string, deps: PackageDeps, asset: Asset): Promise<PackagedAsset> {
  const source = parseS3Uri(asset.uri);
  if (!source) throw new InvalidInputError('asset', [`${asset.assetId}: not an s3://bucket/key URI`]);
  const basename = source.key.slice(source.key.lastIndexOf('/') + 1);
  const { sha256, sizeBytes } = await deps.packages.digest(source);
  return { ...asset, key: `${prefix}/assets/${asset.assetId}/${basename}`, sizeBytes, sha256 };
}

/** The manifest already stored for this version, if any: its bytes and what they say. */
async function storedManifest(
  deps: PackageDeps,
  key: string,
): Promise<{ body: string; doc: NinjsDocument } | undefined> {
  try {
    const body = await deps.packages.getManifest(key);
    return { body, doc: JSON.parse(body) as NinjsDocument };
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Copies the article's assets, writes its ninjs manifest (with every asset's SHA-256 and size and a
 * hash of the text) and announces PackageReady. A package is immutable: approving a packaged version
 * again with the same content writes nothing and announces it again (routing de-duplicates, and a
 * crash after the manifest is healed); with other content it is refused (VersionConflictError, naming
 * what differs) and nothing stored or delivered changes.
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
  const manifestKey = manifestKeyFor(article.articleId, article.version);
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
  const build = (assets: PackagedAsset[]) =>
    toNinjs({ ...article, bodyHtml }, assets, { assetHref: (a) => s3Href(deps.packages.bucket, a.key) });
  const stored = await storedManifest(deps, manifestKey);
  // The hash route checks is of the bytes stored: on a repeat, the stored manifest's, not a rebuild's.
  let manifestBody: string;
  if (stored) {
    const candidate = build(await Promise.all(article.assets.map((a) => digestSource(prefix, deps, a))));
    const assetHashes = hasAssetHashes(stored.doc);
    const differences = contentDifferences(
      contentParts(stored.doc, { assetHashes }),
      contentParts(candidate, { assetHashes }),
    );
    if (differences.length) throw new VersionConflictError(article.articleId, article.version, differences);
    deps.logger.info('version already packaged with the same content', {
      articleId: article.articleId,
      version: article.version,
    });
    manifestBody = stored.body;
  } else {
    const assets = await Promise.all(article.assets.map((asset) => copyOne(deps, prefix, asset)));
    manifestBody = JSON.stringify(build(assets));
    await deps.packages.putManifest(manifestKey, manifestBody);
  }

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
