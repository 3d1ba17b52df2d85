import { checkSignedUrl } from '#domain/url-signing.ts';
import type { Deps } from './deps.ts';
import { feedKeyRef, packageKeyFromSegment } from './signed-links.ts';

/** Presigned S3 URLs we redirect to live minutes, not days (a function role's credentials die early). */
export const PRESIGNED_TTL_SECONDS = 300;

export type AssetAnswer = { ok: true; location: string } | { ok: false; reason: string };

export interface AssetRequest {
  path: string;
  agreementId: string;
  assetSegment: string;
  query: Record<string, string | undefined>;
}

/**
 * Checks a signed asset URL and answers with a short-lived presigned URL. Refusals give one short
 * reason and never say whether an agreement or key exists.
 */
export async function serveAsset(
  deps: Pick<Deps, 'agreements' | 'secrets' | 'packages' | 'clock'>,
  req: AssetRequest,
): Promise<AssetAnswer> {
  const { expires, kid, sig } = req.query;
  if (!expires || !kid || !sig) return { ok: false, reason: 'missing expires, kid or sig' };
  const agreement = await deps.agreements.get(req.agreementId);
  const keyKnown = agreement?.feedKeys.some((k) => k.kid === kid && !k.retiredAt);
  const key = keyKnown ? await deps.secrets.get(feedKeyRef(req.agreementId, kid)) : undefined;
  const check = checkSignedUrl(
    key,
    { method: 'GET', path: req.path, expires: Number(expires), kid, sig },
    deps.clock.now(),
  );
  if (!check.ok) return check;
  if (agreement?.status !== 'active') return { ok: false, reason: 'agreement not active' };
  const packageKey = packageKeyFromSegment(req.assetSegment);
  if (!packageKey) return { ok: false, reason: 'invalid signature' };
  return { ok: true, location: await deps.packages.presignGet(packageKey, PRESIGNED_TTL_SECONDS) };
}
