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

  markPulled(deliveryId: string): void {
    if (this.pulled.size >= 100_000) this.pulled.clear();
    this.pulled.add(deliveryId);
  }
}
