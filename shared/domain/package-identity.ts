/**
 * A package is immutable: one (articleId, version) has one content. Its manifest records the SHA-256
 * and size of every asset and a hash of the text, so a second approval of the same version can be
 * compared with what was packaged (and delivered) without trusting the CMS to have changed nothing.
 */
import { createHash } from 'node:crypto';
import { LoaError } from './errors.ts';

/** Hex SHA-256 of a string's UTF-8 bytes (no normalisation: the bytes the CMS sent). */
export const sha256Hex = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** The text an article version carries, hashed in one fixed order so the same text gives the same hash. */
export function textSha256(text: {
  title: string;
  summary?: string | undefined;
  bodyHtml: string;
  byline?: string | undefined;
}): string {
  return sha256Hex(JSON.stringify([text.title, text.summary ?? null, text.bodyHtml, text.byline ?? null]));
}

/**
 * What makes one version's content, as named comparable parts (`text`, `topics`, `asset:<id>` …):
 * two packages of the same version must agree on every part.
 */
export type ContentParts = Readonly<Record<string, string>>;

/** The names of the parts that differ between two packages of the same version, sorted; [] when identical. */
export function contentDifferences(stored: ContentParts, candidate: ContentParts): string[] {
  const names = new Set([...Object.keys(stored), ...Object.keys(candidate)]);
  return [...names].filter((n) => stored[n] !== candidate[n]).sort();
}

/** A second approval of a packaged version with other content: refused, never overwritten. */
export class VersionConflictError extends LoaError {
  constructor(
    readonly articleId: string,
    readonly version: number,
    readonly differences: string[],
  ) {
    super(
      `version-conflict: ${articleId} version ${version} is already packaged with other content (differs: ${differences.join(', ')}); approve a new version instead`,
    );
  }
}
