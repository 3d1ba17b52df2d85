import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import { urlSignature } from '#domain/url-signing.ts';
import type { Agreement } from '#schemas/agreement.ts';

/**
 * The signed parameters of a feed or asset URL, in exactly the form Loa issues them. Another spelling
 * of the same values (`expires=01…`, `kid=%6B1`, a sig with other padding bits) is refused, so that
 * changing any byte of a signed URL makes it invalid.
 */
export const SignedParams = z.object({
  expires: z
    .string()
    .regex(/^[1-9][0-9]{0,11}$/)
    .transform(Number),
  kid: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/),
  // 32 bytes of HMAC-SHA256 in unpadded base64url.
  sig: z.string().regex(/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/),
});
export type SignedParams = z.infer<typeof SignedParams>;

/** Parses a raw query string without decoding it; undefined on a repeated or empty name. */
export function rawQueryParams(raw: string): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  if (!raw) return params;
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!name || Object.hasOwn(params, name)) return undefined;
    params[name] = eq < 0 ? '' : part.slice(eq + 1);
  }
  return params;
}

/** The one-line reasons a signed request is refused; none says whether an agreement or key exists. */
export const REFUSAL = {
  malformed: 'missing or malformed signature',
  expired: 'expired',
  invalid: 'invalid signature',
  suspended: 'agreement suspended',
  expiredAgreement: 'agreement expired',
  notStarted: 'agreement not yet in force',
  noFeed: 'no feed on this agreement',
} as const;

/** Where a check reads agreements and key material (cached by the feed function). */
interface KeySource {
  /** The agreement, as fresh as the caller can make it for a request signed with `kid`. */
  agreement(agreementId: string, kid: string): Promise<Agreement | undefined>;
  /** The material of key `kid`, given the agreement as `agreement` answered (undefined: none). */
  key(agreementId: string, kid: string, agreement: Agreement | undefined): Promise<string | undefined>;
}

type Verified =
  | { ok: true; agreement: Agreement }
  | { ok: false; reason: string /** For logs only: what was really wrong. */; detail: string };

/** Signs for agreements or keys that do not exist, so refusing them costs what refusing a bad sig does. */
const DECOY_KEY = randomBytes(32).toString('base64url');

/** Why an agreement gives nothing at `now`, or undefined when it is in force. Terms are whole UTC days. */
function inactiveReason(agreement: Agreement, now: Date): string | undefined {
  const today = now.toISOString().slice(0, 10);
  if (agreement.status === 'suspended') return REFUSAL.suspended;
  if (agreement.status === 'expired' || today > agreement.validTo) return REFUSAL.expiredAgreement;
  if (today < agreement.validFrom) return REFUSAL.notStarted;
  return undefined;
}

/**
 * Checks a signed URL: unexpired, signed with a key the agreement has not retired (compared in
 * constant time), and the agreement in force. An unknown agreement, an unknown or retired kid and a
 * wrong signature all get the same answer after the same work.
 */
export async function verifySignedRequest(
  source: KeySource,
  req: { method: string; path: string; agreementId: string; params: SignedParams },
  now: Date,
): Promise<Verified> {
  const { expires, kid, sig } = req.params;
  if (expires * 1000 < now.getTime()) return { ok: false, reason: REFUSAL.expired, detail: 'expired' };
  const agreement = await source.agreement(req.agreementId, kid);
  const usable = agreement?.feedKeys.some((k) => k.kid === kid && !k.retiredAt);
  // The key is looked up whether or not the agreement has it, so both refusals do the same reads.
  const found = await source.key(req.agreementId, kid, agreement);
  const key = usable ? found : undefined;
  const expected = urlSignature(key ?? DECOY_KEY, req.method, req.path, expires, kid);
  // Both are 43 base64url characters (the schema says so for `sig`), so the lengths match.
  const matches = timingSafeEqual(Buffer.from(expected, 'utf8'), Buffer.from(sig, 'utf8'));
  if (!agreement || !key || !matches) {
    const detail = !agreement ? 'unknown agreement' : !key ? 'unknown or retired kid' : 'signature mismatch';
    return { ok: false, reason: REFUSAL.invalid, detail };
  }
  const inactive = inactiveReason(agreement, now);
  if (inactive) return { ok: false, reason: inactive, detail: inactive };
  return { ok: true, agreement };
}
