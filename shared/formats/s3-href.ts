import { parseS3Uri } from '#schemas/article.ts';

/**
 * An `s3://` URI for a key, as a package's ninjs names its assets; segments are percent-encoded so
 * the href is a valid URI whatever the key.
 */
export function s3Href(bucket: string, key: string): string {
  return `s3://${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The bucket and key an `s3Href` names (segments decoded); null when it is not one. */
export function parseS3Href(href: string): { bucket: string; key: string } | null {
  const parsed = parseS3Uri(href);
  if (!parsed) return null;
  try {
    return { bucket: parsed.bucket, key: parsed.key.split('/').map(decodeURIComponent).join('/') };
  } catch {
    return null; // malformed percent-encoding: not an href we wrote
  }
}
