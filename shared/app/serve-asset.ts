import type { Delivery } from '#domain/delivery.ts';
import { deliveryIdFor } from '#domain/ids.ts';
import { packageKeyFromSegment } from '#domain/signed-links.ts';
import type { Agreement } from '#schemas/agreement.ts';
import type { Deps } from './deps.ts';
import { feedKeyOf } from './feed-keys.ts';
import { REFUSAL, rawQueryParams, SignedParams, verifySignedRequest } from './signed-request.ts';

/** Presigned S3 URLs we redirect to live minutes, not days (a function role's credentials die early). */
const PRESIGNED_TTL_SECONDS = 300;

type AssetAnswer =
  | { ok: true; location: string }
  | {
      ok: false;
      reason: string /** 403 unless said otherwise (410: the article was withdrawn). */;
      status?: 403 | 410;
    };

interface AssetRequest {
  path: string;
  agreementId: string;
  assetSegment: string;
  /** The query string as sent, undecoded: the signed parameters must be spelled as issued. */
  rawQuery: string;
}

/** The article version an asset key belongs to: only keys under a package's `assets/` are served. */
const PACKAGE_ASSET_KEY = /^packages\/([^/]+)\/v(\d+)\/assets\//;

/**
 * Checks a signed asset URL and answers with a short-lived presigned URL. Refusals give one short
 * reason and never say whether an agreement or key exists. A valid signature is not enough: the
 * asset must belong to a package routed to that agreement (403), and a withdrawn article's links
 * end with the takedown (410), however long the link itself was signed for.
 */
export async function serveAsset(
  deps: Pick<Deps, 'agreements' | 'secrets' | 'packages' | 'deliveries' | 'withdrawals' | 'clock' | 'logger'>,
  req: AssetRequest,
): Promise<AssetAnswer> {
  // Exactly the three signed parameters, spelled as issued (see signed-request.ts).
  const params = SignedParams.strict().safeParse(rawQueryParams(req.rawQuery));
  if (!params.success) return { ok: false, reason: REFUSAL.malformed };
  const now = deps.clock.now();
  const verified = await verifySignedRequest(
    {
      agreement: (id) => deps.agreements.get(id),
      key: (id, kid, agreement) => feedKeyOf(deps.secrets, agreement, id, kid),
    },
    { method: 'GET', path: req.path, agreementId: req.agreementId, params: params.data },
    now,
  );
  if (!verified.ok) return { ok: false, reason: verified.reason };
  const packageKey = packageKeyFromSegment(req.assetSegment);
  const m = packageKey ? PACKAGE_ASSET_KEY.exec(packageKey) : null;
  if (!packageKey || !m?.[1] || !m[2]) return { ok: false, reason: REFUSAL.invalid };
  const articleId = m[1];
  const version = Number(m[2]);
  if (await deps.withdrawals.get(articleId)) return { ok: false, status: 410, reason: 'withdrawn' };
  const delivery = await deliveryOf(deps, verified.agreement, articleId, version);
  if (!delivery) return { ok: false, reason: 'not delivered to this agreement' };
  const embargo = embargoedUntil(verified.agreement, delivery, now);
  if (embargo) return { ok: false, reason: `embargoed until ${embargo}` };
  await recordDownload(deps, verified.agreement, delivery, packageKey, now);
  return { ok: true, location: await deps.packages.presignGet(packageKey, PRESIGNED_TTL_SECONDS) };
}

/**
 * When the article is under an embargo this partner must wait for (a `hold` agreement; the embargo
 * as routing stored it on the agreement's delivery), its end; undefined when it may be fetched. A
 * pass-through partner already holds the embargoed article and its links, with the embargo stated.
 */
function embargoedUntil(agreement: Agreement, delivery: Delivery, now: Date): string | undefined {
  if (agreement.embargo !== 'hold') return undefined;
  const until = delivery.embargoUntil ? Date.parse(delivery.embargoUntil) : Number.NaN;
  return until > now.getTime() ? new Date(until).toISOString() : undefined;
}

/**
 * The delivery through which the agreement got this article version, feed channel first (webhook
 * links carry the same URL); undefined when it never went there or was discarded before it was sent.
 */
async function deliveryOf(
  deps: Pick<Deps, 'deliveries'>,
  agreement: Agreement,
  articleId: string,
  version: number,
): Promise<Delivery | undefined> {
  const channels = [...agreement.channels].sort(
    (a, b) => Number(b.type === 'feed') - Number(a.type === 'feed'),
  );
  for (const channel of channels) {
    const d = await deps.deliveries.get(
      deliveryIdFor(agreement.agreementId, channel.channelId, articleId, version),
    );
    if (d && d.status !== 'discarded') return d;
  }
  return undefined;
}

/** Counts the download on the delivery the link came from. Best effort: a failed count never costs the partner its download. */
async function recordDownload(
  deps: Pick<Deps, 'deliveries' | 'logger'>,
  agreement: Agreement,
  delivery: Delivery,
  packageKey: string,
  now: Date,
): Promise<void> {
  try {
    await deps.deliveries.recordDownload(delivery.deliveryId, now.toISOString());
  } catch (error) {
    deps.logger.warn('download not recorded', { agreementId: agreement.agreementId, packageKey, error });
  }
}
