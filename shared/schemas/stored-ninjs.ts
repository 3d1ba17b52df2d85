import * as z from 'zod';
import type { NinjsDocument } from '#formats/ninjs.ts';

const textItem = z.looseObject({
  value: z.string(),
  role: z.string().optional(),
  contenttype: z.string().optional(),
});
const rendition = z.looseObject({ name: z.string(), href: z.string(), contenttype: z.string() });
const association = z.looseObject({
  name: z.string(),
  uri: z.string(),
  type: z.string(),
  version: z.string(),
  renditions: z.array(rendition),
  altids: z.array(z.looseObject({ role: z.string(), value: z.string() })).default([]),
  descriptions: z.array(textItem).optional(),
});

/**
 * What feeds need of a stored ninjs manifest before rendering it. Loa writes only such manifests; a
 * document that is not one (damaged, or named by a forged event before route checked) is left out of
 * the feed rather than turning the whole feed into a 500.
 */
const StoredNinjs = z.looseObject({
  uri: z.string(),
  version: z.string(),
  versioncreated: z.string().optional(),
  language: z.string().optional(),
  headlines: z.array(textItem).min(1),
  descriptions: z.array(textItem).optional(),
  // Lists the renderers walk: absent ones become empty rather than crashing a page.
  bodies: z.array(textItem).default([]),
  subjects: z.array(z.looseObject({ uri: z.string(), name: z.string() })).default([]),
  altids: z.array(z.looseObject({ role: z.string(), value: z.string() })).default([]),
  associations: z.array(association).optional(),
  by: z.string().optional(),
  embargoed: z.string().optional(),
});

/** Parses manifest text as a ninjs document; throws (a SyntaxError or a ZodError) when it is not one. */
export function parseStoredNinjs(body: string): NinjsDocument {
  return StoredNinjs.parse(JSON.parse(body)) as unknown as NinjsDocument;
}
