import type { Config } from '#config/config.ts';
import type { Delivery } from '#domain/delivery.ts';
import { assetPath, linkSigner } from '#domain/signed-links.ts';
import type { SecretStore } from '#ports/secret-store.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { type NinjsDocument, withAssetHrefs } from './ninjs.ts';
import { parseS3Href } from './s3-href.ts';

/** What signing asset links needs: the agreement's key (secret store), our base URL and the links' lifetime. */
interface AssetLinkDeps {
  secrets: SecretStore;
  config: Pick<Config, 'publicBaseUrl' | 'assetLinkTtlSeconds'>;
}

/** Standard Webhooks event types Loa sends. */
export const WEBHOOK_EVENT = {
  published: 'article.published',
  updated: 'article.updated',
  withdrawn: 'article.withdrawn',
} as const;
type WebhookEvent = (typeof WEBHOOK_EVENT)[keyof typeof WEBHOOK_EVENT];

/**
 * The version's ninjs with every asset link replaced by our signed asset URL for this agreement
 * (valid `assetLinkTtlSeconds`): what a partner, or a network fetching a cover picture, can download.
 * Links are left empty when the agreement has no signing key yet.
 */
export async function withSignedAssetLinks(
  deps: AssetLinkDeps,
  agreement: Agreement,
  manifest: NinjsDocument,
  now: Date,
): Promise<NinjsDocument> {
  const expires = Math.floor(now.getTime() / 1000) + deps.config.assetLinkTtlSeconds;
  const sign = await linkSigner(deps.secrets, agreement, deps.config.publicBaseUrl, expires);
  const keyOf = new Map(
    (manifest.associations ?? []).map((a) => [a.name, parseS3Href(a.renditions[0]?.href ?? '')?.key]),
  );
  return withAssetHrefs(manifest, (assetId) => {
    const key = keyOf.get(assetId);
    return sign && key ? sign(assetPath(agreement.agreementId, key)) : '';
  });
}

/**
 * The body a partner receives: the Standard Webhooks envelope `{type, timestamp, data}` with the
 * ninjs document as data and every asset link replaced by our signed asset URL for this agreement.
 */
export async function webhookBody(
  deps: AssetLinkDeps,
  agreement: Agreement,
  manifest: NinjsDocument,
  now: Date,
  type: WebhookEvent = WEBHOOK_EVENT.published,
): Promise<string> {
  const data = await withSignedAssetLinks(deps, agreement, manifest, now);
  return JSON.stringify({ type, timestamp: now.toISOString(), data });
}

/**
 * The takedown notice: `article.withdrawn` with a minimal ninjs-like `data` naming the article and the
 * version the partner has, `pubstatus: canceled`, and the CMS's time and reason. No content, no links.
 */
export function withdrawalBody(d: Delivery, manifest: Pick<NinjsDocument, 'uri'>, now: Date): string {
  const data = {
    uri: manifest.uri,
    articleId: d.articleId,
    // A string, as ninjs has it in the article the partner received.
    version: String(d.version),
    pubstatus: 'canceled',
    withdrawnAt: d.withdrawnAt,
    ...(d.withdrawReason && { reason: d.withdrawReason }),
  };
  return JSON.stringify({ type: WEBHOOK_EVENT.withdrawn, timestamp: now.toISOString(), data });
}
