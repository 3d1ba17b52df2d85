/**
 * Reads by key asked for in the same turn (before the pending microtasks run) made as one request: a
 * plain data structure, the reads are given. Each caller gets what a read of its own at that moment
 * would have returned (a key asked twice in one batched read is read once), so a batch of work items started
 * together reads its items in one request instead of one each, and nothing is read earlier or kept
 * longer than it was: nothing is cached. A lone read goes through `one`, as it always did; when the
 * batched read fails, each key is read alone, so one bad key fails its own caller only.
 */
export class BatchedReads<V> {
  #waiting: { key: string; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly reads: {
      one: (key: string) => Promise<V | undefined>;
      many: (keys: string[]) => Promise<ReadonlyMap<string, V>>;
    },
  ) {}

  /** What `key` reads as now: alone, or with the other keys asked for in this turn. */
  get(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ key, resolve, reject });
      if (this.#waiting.length === 1) queueMicrotask(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const waiting = this.#waiting;
    this.#waiting = [];
    const keys = [...new Set(waiting.map((w) => w.key))];
    const alone = () => {
      for (const w of waiting) this.reads.one(w.key).then(w.resolve, w.reject);
    };
    if (keys.length === 1) return alone();
    let found: ReadonlyMap<string, V>;
    try {
      found = await this.reads.many(keys);
    } catch {
      return alone();
    }
    for (const w of waiting) w.resolve(found.get(w.key));
  }
}
