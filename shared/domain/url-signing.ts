import { createHmac } from 'node:crypto';

/**
 * Signed URLs for feeds and assets: base64url HMAC-SHA256 over method, path, `expires` and `kid`,
 * one per line, with the agreement's key `kid`.
 */
export function urlSignature(
  key: string,
  method: string,
  path: string,
  expires: number,
  kid: string,
): string {
  return createHmac('sha256', key)
    .update([method.toUpperCase(), path, String(expires), kid].join('\n'), 'utf8')
    .digest('base64url');
}
