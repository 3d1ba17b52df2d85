import { deliveryIdFor } from '#domain/ids.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Deps } from './deps.ts';
import { feedKeyRef, packageKeyFromSegment } from './signed-links.ts';
import { REFUSAL, rawQueryParams, SignedParams, verifySignedRequest } from './signed-request.ts';

/** Presigned S3 URLs we redirect to live minutes, not days (a function role's credentials die early). */
export const PRESIGNED_TTL_SECONDS = 300;

export type AssetAnswer = { ok: true; location: string } | { ok: false; reason: string };

export interface AssetRequest {
  path: string;
  agreementId: string;
  assetSegment: string;
  /** The query string as sent, undecoded: the signed parameters must be spelled as issued. */
  rawQuery: string;
}

/**
 * Checks a signed asset URL and answers with a short-lived presigned URL. Refusals give one short
 * reason and never say whether an agreement or key exists.
 */
export async function serveAsset(
  deps: Pick<Deps, 'agreements' | 'secrets' | 'packages' | 'deliveries' | 'clock' | 'logger'>,
  req: AssetRequest,
): Promise<AssetAnswer> {
  // Exactly the three signed parameters, spelled as issued (see signed-request.ts).
  const params = SignedParams.strict().safeParse(rawQueryParams(req.rawQuery));
  if (!params.success) return { ok: false, reason: REFUSAL.malformed };
  const now = deps.clock.now();
  const verified = await verifySignedRequest(
    {
      agreement: (id) => deps.agreements.get(id),
      key: (id, kid) => deps.secrets.get(feedKeyRef(id, kid)),
    },
    { method: 'GET', path: req.path, agreementId: req.agreementId, params: params.data },
    now,
  );
  if (!verified.ok) return { ok: false, reason: verified.reason };
  const packageKey = packageKeyFromSegment(req.assetSegment);
  if (!packageKey) return { ok: false, reason: REFUSAL.invalid };
  const embargo = await embargoedUntil(deps, verified.agreement, packageKey, now);
  if (embargo) return { ok: false, reason: `embargoed until ${embargo}` };
  await recordDownload(deps, verified.agreement, packageKey, now);
  return { ok: true, location: await deps.packages.presignGet(packageKey, PRESIGNED_TTL_SECONDS) };
}

const PACKAGE_KEY = /^packages\/([^/]+)\/v(\d+)\//;

/**
 * When the asset's article is under an embargo this partner must wait for (a `hold` agreement; the
 * embargo as routing stored it on the agreement's delivery), its end; undefined when it may be fetched.
 * A pass-through partner already holds the embargoed article and its links, with the embargo stated.
 */
async function embargoedUntil(
  deps: Pick<Deps, 'deliveries'>,
  agreement: Agreement,
  packageKey: string,
  now: Date,
): Promise<string | undefined> {
  if (agreement.embargo !== 'hold') return undefined;
  const m = PACKAGE_KEY.exec(packageKey);
  if (!m?.[1] || !m[2]) return undefined;
  for (const channel of agreement.channels) {
    const d = await deps.deliveries.get(
      deliveryIdFor(agreement.agreementId, channel.channelId, m[1], Number(m[2])),
    );
    if (!d) continue;
    const until = d.embargoUntil ? Date.parse(d.embargoUntil) : Number.NaN;
    return until > now.getTime() ? new Date(until).toISOString() : undefined;
  }
  return undefined;
}

/**
 * Counts the download on the delivery the link came from: the asset path names the article version,
 * and the agreement's feed channel is tried first (webhook links carry the same URL). Best effort:
 * a failed count never costs the partner its download.
 */
async function recordDownload(
  deps: Pick<Deps, 'deliveries' | 'logger'>,
  agreement: Agreement,
  packageKey: string,
  now: Date,
): Promise<void> {
  const m = PACKAGE_KEY.exec(packageKey);
  if (!m?.[1] || !m[2]) return;
  const channels = [...agreement.channels].sort(
    (a, b) => Number(b.type === 'feed') - Number(a.type === 'feed'),
  );
  try {
    for (const channel of channels) {
      const id = deliveryIdFor(agreement.agreementId, channel.channelId, m[1], Number(m[2]));
      if (await deps.deliveries.recordDownload(id, now.toISOString())) return;
    }
  } catch (error) {
    deps.logger.warn('download not recorded', { agreementId: agreement.agreementId, packageKey, error });
  }
}
