import { type ContentParts, sha256Hex } from '#domain/package-identity.ts';
import { ALTID_ROLE, type NinjsDocument } from './ninjs.ts';

const altid = (altids: { role: string; value: string }[] | undefined, role: string) =>
  altids?.find((a) => a.role === role)?.value ?? '';

/**
 * The comparable parts of a stored ninjs manifest (domain/package-identity.ts): each text field and
 * each asset (SHA-256, size, type) by name, so a conflicting re-approval says exactly what differs.
 * The approval time (`versioncreated`) and asset links are not content. `assetHashes: false` leaves
 * the asset hashes out, to compare with a manifest written before they were recorded.
 */
export function contentParts(doc: NinjsDocument, options: { assetHashes?: boolean } = {}): ContentParts {
  const hashes = options.assetHashes ?? true;
  const parts: Record<string, string> = {
    title: sha256Hex(doc.headlines.map((h) => h.value).join('\n')),
    summary: sha256Hex((doc.descriptions ?? []).map((d) => d.value).join('\n')),
    body: sha256Hex(doc.bodies.map((b) => b.value).join('\n')),
    byline: doc.by ?? '',
    language: doc.language,
    topics: doc.subjects.map((s) => s.name).join(','),
    embargo: doc.embargoed ?? '',
    canonicalUrl: altid(doc.altids, 'canonical'),
    translationOf: altid(doc.altids, 'loa:translationOf'),
  };
  for (const a of doc.associations ?? []) {
    const r = a.renditions[0];
    parts[`asset:${a.name}`] = [
      hashes ? altid(a.altids, ALTID_ROLE.sha256) : '',
      r?.sizeinbytes ?? '',
      r?.contenttype ?? '',
      a.title ?? '',
      a.by ?? '',
      (a.descriptions ?? []).map((d) => d.value).join('\n'),
    ].join('\u0000');
  }
  return parts;
}

/** Whether a manifest records its assets' SHA-256 (those written before hashes were kept do not). */
export const hasAssetHashes = (doc: NinjsDocument): boolean =>
  (doc.associations ?? []).every((a) => altid(a.altids, ALTID_ROLE.sha256) !== '');
