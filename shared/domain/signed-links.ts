import type { SecretStore } from '#ports/secret-store.ts';
import type { Agreement } from '#schemas/agreement.ts';
import { signingSecretsOf } from './signing-keys.ts';
import { urlSignature } from './url-signing.ts';

export { feedKeyRef } from './signing-keys.ts';

/** The key new links are signed with: the newest key not retired. */
export function currentKid(agreement: Agreement): string | undefined {
  return agreement.feedKeys.filter((k) => !k.retiredAt).at(-1)?.kid;
}

/** Path of our signed asset URL. The asset segment encodes the package key, which the signature covers. */
export function assetPath(agreementId: string, packageKey: string): string {
  return `/assets/${agreementId}/${Buffer.from(packageKey, 'utf8').toString('base64url')}`;
}

/** Reads the package key back from an asset segment; undefined when it is not one we made. */
export function packageKeyFromSegment(segment: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,1400}$/.test(segment)) return undefined;
  const key = Buffer.from(segment, 'base64url').toString('utf8');
  return key.startsWith('packages/') ? key : undefined;
}

/**
 * Signs links under one agreement's current key. Returns undefined when the agreement has no
 * key yet, in which case callers fall back to no link rather than an unsigned one.
 */
export async function linkSigner(
  secrets: SecretStore,
  agreement: Agreement,
  baseUrl: string,
  expires: number,
): Promise<((path: string) => string) | undefined> {
  const kid = currentKid(agreement);
  const key = kid && (await signingSecretsOf(secrets).feedKey(agreement, agreement.agreementId, kid));
  if (!kid || !key) return undefined;
  const base = baseUrl.replace(/\/$/, '');
  return (path) => {
    const sig = urlSignature(key, 'GET', path, expires, kid);
    // A kid's characters (slug: letters, digits, . _ : -) are all safe in a query value; encoding
    // them would give a spelling the strict verifier refuses.
    return `${base}${path}?expires=${expires}&kid=${kid}&sig=${sig}`;
  };
}
