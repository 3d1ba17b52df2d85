import { createHash, randomBytes } from 'node:crypto';

/**
 * A delivery's id is derived from what it is, so the same routing decision made twice
 * (a repeated event) names the same delivery and the conditional create refuses the second.
 */
export function deliveryIdFor(
  agreementId: string,
  channelId: string,
  articleId: string,
  version: number,
  kind: 'publish' | 'withdrawal' = 'publish',
): string {
  // Only a withdrawal notice adds its kind, so every publish id stays what it always was.
  const parts = [
    agreementId,
    channelId,
    articleId,
    String(version),
    ...(kind === 'withdrawal' ? [kind] : []),
  ];
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('base64url');
  return `dlv_${digest.slice(0, 26)}`;
}

/** Standard Webhooks `webhook-id`: stable across retries and replays so partners can de-duplicate. */
export function webhookMessageId(deliveryId: string): string {
  return `msg_${deliveryId.replace(/^dlv_/, '')}`;
}

/** A random id with a readable prefix. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
