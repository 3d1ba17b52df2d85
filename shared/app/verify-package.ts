import { timingSafeEqual } from 'node:crypto';
import { NotFoundError } from '#domain/errors.ts';
import { TtlCache } from '#domain/ttl-cache.ts';
import type { PackageReady } from '#schemas/events.ts';
import type { Deps } from './deps.ts';
import { manifestKeyFor, manifestSha256 } from './package-article.ts';

/**
 * Manifests this warm function has read and hashed, by key: EventBridge delivers at least once and the
 * package function may announce a version twice, so the same (key, hash) comes again and again. A
 * different hash for a known key is read afresh.
 */
const verified = new TtlCache<string>({ ttlMs: Number.POSITIVE_INFINITY, maxEntries: 2_000, now: Date.now });

/**
 * Why a PackageReady cannot be trusted, or undefined when it can: its manifest must be the canonical
 * manifest of (articleId, version) in Loa's packages bucket, and its bytes must hash to what the
 * package function recorded. A forged event pointing at any other JSON Loa can read goes no further.
 */
export async function packageReadyProblem(
  deps: Pick<Deps, 'packages'>,
  ready: PackageReady,
): Promise<string | undefined> {
  const key = manifestKeyFor(ready.articleId, ready.version);
  if (ready.manifest.bucket !== deps.packages.bucket || ready.manifest.key !== key) {
    return `detail.manifest: not the package of ${ready.articleId} v${ready.version} (only s3://${deps.packages.bucket}/${key} is)`;
  }
  if (verified.peek(key) === ready.manifestSha256) return undefined;
  let body: string;
  try {
    body = await deps.packages.getManifest(key);
  } catch (error) {
    if (error instanceof NotFoundError)
      return `detail.manifest: no manifest at s3://${deps.packages.bucket}/${key}`;
    throw error;
  }
  const actual = Buffer.from(manifestSha256(body), 'utf8');
  const recorded = Buffer.from(ready.manifestSha256, 'utf8');
  // Both are 64 hex digits (the schema says so), so the lengths match.
  if (!timingSafeEqual(actual, recorded)) {
    return 'detail.manifestSha256: does not match the manifest as stored';
  }
  verified.set(key, ready.manifestSha256);
  return undefined;
}
