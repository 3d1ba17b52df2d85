import { timingSafeEqual } from 'node:crypto';
import { TtlCache } from '#domain/ttl-cache.ts';
import type { NinjsDocument } from '#formats/ninjs.ts';
import type { Agreement } from '#schemas/agreement.ts';

/** A feed response as rendered once and served until it expires. */
export interface RenderedFeed {
  contentType: string;
  body: string;
  /** The body's UTF-8 bytes in base64, encoded once rather than on every 200. */
  bodyBase64: string;
  etag: string;
  lastModified: Date;
  /** Last-Modified as an HTTP date, formatted once. */
  lastModifiedHttp: string;
  nextUrl?: string;
  /** When the URL this page was rendered for stops being valid (ms): a cached page is never served past it. */
  urlExpiresAt: number;
  /** The URL signature this page was rendered for, once it had passed the full check (UTF-8 bytes). */
  sig: Buffer;
}

/** Length of a URL signature as Loa issues it (unpadded base64url of 32 bytes; signed-request.ts). */
const SIG_LENGTH = 43;

/**
 * A page's cache key and the signature presented with it: the method, the path and the query without
 * its `sig`, so that a repeat of a URL can be told apart from a forged one by comparing `sig` alone, in
 * constant time. Undefined when the query has no `sig` of the issued length, or more than one.
 */
export function pageKey(
  method: string,
  path: string,
  rawQuery: string,
): { key: string; sig: string } | undefined {
  // Loa issues `…&sig=<43>` last: that shape is cut without splitting the query.
  const at = rawQuery.lastIndexOf('sig=');
  if (at < 0 || (at > 0 && rawQuery[at - 1] !== '&')) return undefined;
  const end = rawQuery.indexOf('&', at);
  const sig = end < 0 ? rawQuery.slice(at + 4) : rawQuery.slice(at + 4, end);
  const rest =
    end < 0 ? rawQuery.slice(0, Math.max(0, at - 1)) : `${rawQuery.slice(0, at)}${rawQuery.slice(end + 1)}`;
  // A second `sig` anywhere is not this shape: the full check refuses it.
  if (sig.length !== SIG_LENGTH || rest.startsWith('sig=') || rest.includes('&sig=')) return undefined;
  return { key: `${method} ${path}?${rest}`, sig };
}

interface FeedCacheOptions {
  /** How long agreements and rendered pages are reused: the staleness a poll may see. */
  ttlMs: number;
  now: () => number;
}

/**
 * What a warm feed function keeps between polls. Agreements and pages live seconds (a suspension
 * or a retired key takes effect within `ttlMs`); key material and manifests are immutable, so they
 * live longer or until evicted.
 */
export class FeedCache {
  readonly agreements: TtlCache<Agreement | undefined>;
  readonly keys: TtlCache<string | undefined>;
  readonly manifests: TtlCache<NinjsDocument>;
  readonly pages: TtlCache<RenderedFeed>;
  /** Agreement × kid pairs just read again and still unknown: not read again within `ttlMs`. */
  readonly kidMisses: TtlCache<true>;
  /** Deliveries whose first pull is recorded, so a lagging index read does not write again. */
  readonly pulled = new Set<string>();

  constructor(readonly options: FeedCacheOptions) {
    const { ttlMs, now } = options;
    this.agreements = new TtlCache({ ttlMs, maxEntries: 1_000, now });
    // A key's material never changes under its kid (retirement is read from the agreement), and a
    // manifest never changes under its key: both are kept whatever `ttlMs` says.
    this.keys = new TtlCache({ ttlMs: 300_000, maxEntries: 2_000, now });
    this.manifests = new TtlCache({ ttlMs: 3_600_000, maxEntries: 2_000, now });
    this.pages = new TtlCache({ ttlMs, maxEntries: 500, now });
    this.kidMisses = new TtlCache({ ttlMs, maxEntries: 1_000, now });
  }

  /**
   * The page rendered moments ago for this very URL, when the URL has not expired and carries the
   * signature that passed the full check then, compared in constant time. Anything else (another or
   * a malformed signature, an expired URL, no page) is undefined: the caller runs the full check.
   */
  recentPage(
    req: { method: string; path: string; rawQuery: string },
    nowMs: number,
  ): RenderedFeed | undefined {
    const parts = pageKey(req.method, req.path, req.rawQuery);
    const page = parts && this.pages.peek(parts.key, nowMs);
    if (!parts || !page || page.urlExpiresAt < nowMs || page.sig.length !== SIG_LENGTH) return undefined;
    const presented = Buffer.from(parts.sig, 'utf8');
    return presented.length === SIG_LENGTH && timingSafeEqual(presented, page.sig) ? page : undefined;
  }

  markPulled(deliveryId: string): void {
    if (this.pulled.size >= 100_000) this.pulled.clear();
    this.pulled.add(deliveryId);
  }
}
