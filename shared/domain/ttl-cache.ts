interface TtlCacheOptions {
  /** How long an entry is reused; 0 or less caches nothing, `Infinity` keeps it until evicted. */
  ttlMs: number;
  /** Past this many entries the oldest goes: enough for a warm function's working set. */
  maxEntries: number;
  now: () => number;
}

interface Entry<V> {
  until: number;
  value: Promise<V>;
  settled?: { value: V };
}

/**
 * The one cache of a warm function's reads (a plain data structure: the clock is given, nothing is
 * read here) (the same agreement, manifest or circuit across a fan-out
 * of deliveries or a burst of feed polls): a bounded map whose entries live `ttlMs`. Concurrent loads
 * of one key share a single promise, so a burst at expiry makes one read, not one per caller; a failed
 * load is not kept, and an undefined answer is cached like any other.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();

  constructor(private readonly opts: TtlCacheOptions) {}

  /** The cached value for `key` if still fresh, or what `load` returns (then kept). */
  getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && hit.until > this.opts.now()) return hit.value;
    return this.refresh(key, load);
  }

  /**
   * The value for `key` if it is loaded and still fresh, without waiting or loading. `nowMs` is the
   * clock's reading when the caller has just taken one (it is the same clock).
   */
  peek(key: string, nowMs?: number): V | undefined {
    const hit = this.#entries.get(key);
    return hit?.settled && hit.until > (nowMs ?? this.opts.now()) ? hit.settled.value : undefined;
  }

  /** Loads again whatever is cached, and keeps the new value. */
  refresh(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.opts.now();
    const value = load();
    const entry = this.#put(key, value, now);
    value.then(
      (v) => {
        if (entry) entry.settled = { value: v };
      },
      () => {
        if (entry && this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return value;
  }

  /** Drops what is cached for `key`: the next read loads. */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  /** Replaces what is cached for `key` (a value just written, or read afresh). */
  set(key: string, value: V): void {
    const entry = this.#put(key, Promise.resolve(value), this.opts.now());
    if (entry) entry.settled = { value };
  }

  #put(key: string, value: Promise<V>, now: number): Entry<V> | undefined {
    if (this.opts.ttlMs <= 0) return undefined;
    this.#entries.delete(key);
    // Maps keep insertion order: the first keys are the oldest.
    while (this.#entries.size >= this.opts.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    const entry: Entry<V> = { until: now + this.opts.ttlMs, value };
    this.#entries.set(key, entry);
    return entry;
  }
}
