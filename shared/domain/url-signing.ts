import { createHmac, timingSafeEqual } from 'node:crypto';

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

/** Constant-time comparison of a given signature with the expected one. */
export function signatureMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'base64url');
  const b = Buffer.from(given, 'base64url');
  // Compare lengths without an early exit on content; timingSafeEqual needs equal lengths.
  return a.length === b.length && timingSafeEqual(a, b);
}

export type UrlCheck = { ok: true } | { ok: false; reason: string };

/** Checks expiry and signature; the reason never hints at a valid key. */
export function checkSignedUrl(
  key: string | undefined,
  req: { method: string; path: string; expires: number; kid: string; sig: string },
  now: Date,
): UrlCheck {
  if (!Number.isFinite(req.expires) || req.expires * 1000 < now.getTime())
    return { ok: false, reason: 'expired' };
  if (!key) return { ok: false, reason: 'invalid signature' };
  const expected = urlSignature(key, req.method, req.path, req.expires, req.kid);
  return signatureMatches(expected, req.sig) ? { ok: true } : { ok: false, reason: 'invalid signature' };
}
