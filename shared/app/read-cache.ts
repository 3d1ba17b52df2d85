/**
 * A small time-bounded cache for reads a warm worker repeats across a fan-out (the same agreement,
 * the same article), so a delivery costs one read of its own item rather than three.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
  ) {}

  /** The cached value for `key` if younger than the TTL at `nowMs`, or what `load` returns (then kept). */
  async get(key: string, nowMs: number, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.until > nowMs) return hit.value;
    const value = await load();
    // A bounded map: clearing now and then is simpler than LRU and enough for a worker's working set.
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: nowMs + this.ttlMs });
    return value;
  }

  /** Replaces what is cached for `key` (a value just written or read fresh). */
  set(key: string, value: V, nowMs: number): void {
    this.entries.set(key, { value, until: nowMs + this.ttlMs });
  }
}
