import type { NinjsDocument } from '#formats/ninjs.ts';
import type { Agreement } from '#schemas/agreement.ts';

/**
 * A bounded map whose entries live `ttlMs`; concurrent loads of one key share a single promise,
 * so a burst of polls at expiry makes one read, not one per poll. A failed load is not kept.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { until: number; value: Promise<V>; settled?: { value: V } }>();

  constructor(private readonly opts: { ttlMs: number; maxEntries: number; now: () => number }) {}

  getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && hit.until > this.opts.now()) return hit.value;
    return this.refresh(key, load);
  }

  /** The value for `key` if it is loaded and still fresh, without waiting or loading. */
  peek(key: string): V | undefined {
    const hit = this.#entries.get(key);
    return hit?.settled && hit.until > this.opts.now() ? hit.settled.value : undefined;
  }

  /** Loads again whatever is cached, and keeps the new value. */
  refresh(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.opts.now();
    const hit = this.#entries.get(key);
    const value = load();
    if (this.opts.ttlMs <= 0) return value;
    if (hit) this.#entries.delete(key);
    // Maps keep insertion order: the first keys are the oldest.
    while (this.#entries.size >= this.opts.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    const entry: { until: number; value: Promise<V>; settled?: { value: V } } = {
      until: now + this.opts.ttlMs,
      value,
    };
    this.#entries.set(key, entry);
    value.then(
      (v) => {
        entry.settled = { value: v };
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return value;
  }
}

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

export interface FeedCacheOptions {
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
