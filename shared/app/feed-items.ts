import * as z from 'zod';
import { NotFoundError } from '#domain/errors.ts';
import { assetPath, currentKid } from '#domain/signed-links.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import { parseS3Href } from '#formats/s3-href.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { describeIssues } from '#schemas/issues.ts';
import { parseStoredNinjs } from '#schemas/stored-ninjs.ts';
import type { Deps } from './deps.ts';
import type { FeedCache } from './feed-cache.ts';
import { feedKeyCacheKey, feedKeyOf, signedUrl } from './feed-keys.ts';

const DAY_SECONDS = 86_400;

/**
 * Asset links in a feed expire `ttlSeconds` after the end of the current UTC day, so a page's bytes
 * (and its ETag) stay the same all day: readers re-download a quiet feed once a day, not every poll.
 */
export function assetLinkWindow(now: Date, ttlSeconds: number): { from: Date; expires: number } {
  const dayStart = Math.floor(now.getTime() / 1000 / DAY_SECONDS) * DAY_SECONDS;
  return { from: new Date(dayStart * 1000), expires: dayStart + DAY_SECONDS + ttlSeconds };
}

/**
 * An item's ninjs document with its asset links signed for the agreement. Manifests are immutable,
 * so each is read from the packages bucket once per warm function; undefined when it is missing.
 */
export async function feedItemDoc(
  deps: Pick<Deps, 'packages' | 'secrets' | 'config' | 'logger'>,
  cache: FeedCache,
  agreement: Agreement,
  manifestKey: string,
  now: Date,
): Promise<NinjsDocument | undefined> {
  let doc: NinjsDocument;
  try {
    doc = await cache.manifests.getOrLoad(manifestKey, async () =>
      parseStoredNinjs(await deps.packages.getManifest(manifestKey)),
    );
  } catch (error) {
    // One lost or damaged manifest must not take the whole feed down with it: left out, and logged.
    if (error instanceof NotFoundError) {
      deps.logger.error('feed item without manifest', { agreementId: agreement.agreementId, manifestKey });
      return undefined;
    }
    if (error instanceof SyntaxError || error instanceof z.ZodError) {
      deps.logger.error('feed item left out: its manifest is not a ninjs document', {
        agreementId: agreement.agreementId,
        manifestKey,
        problems: error instanceof z.ZodError ? describeIssues(error) : [error.message],
      });
      return undefined;
    }
    throw error;
  }
  const kid = currentKid(agreement);
  const key = kid
    ? await cache.keys.getOrLoad(feedKeyCacheKey(agreement, agreement.agreementId, kid), () =>
        feedKeyOf(deps.secrets, agreement, agreement.agreementId, kid),
      )
    : undefined;
  const { expires } = assetLinkWindow(now, deps.config.assetLinkTtlSeconds);
  const keyOf = new Map(
    (doc.associations ?? []).map((a) => [a.name, parseS3Href(a.renditions[0]?.href ?? '')?.key]),
  );
  const hrefFor = (assetId: string) => {
    const packageKey = keyOf.get(assetId);
    if (!kid || !key || !packageKey) return '';
    return signedUrl(
      deps.config.publicBaseUrl,
      assetPath(agreement.agreementId, packageKey),
      key,
      kid,
      expires,
    );
  };
  // A copy of the cached document sharing everything but the links (its body may be 200 KiB): what
  // withAssetHrefs gives, without cloning the whole document for every page rendered.
  if (!doc.associations) return doc;
  return {
    ...doc,
    associations: doc.associations.map((a) => ({
      ...a,
      renditions: a.renditions.map((r) => ({ ...r, href: hrefFor(a.name) })),
    })),
  };
}
