/**
 * A sliding-window limit: at most `perSecond` actions in any one-second window. It keeps the times of
 * the last `perSecond` actions; an action may happen once the oldest of them is a second old.
 */
export class SlidingWindow {
  readonly #times: number[] = [];
  constructor(
    private readonly perSecond: number,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Waits until at least one action may happen; returns how many (≤ want) may happen now, and when. */
  async take(want: number): Promise<{ count: number; at: number }> {
    for (;;) {
      const at = this.now();
      // Times older than a second free their slot.
      while (this.#times.length && (this.#times[0] ?? 0) <= at - 1000) this.#times.shift();
      const free = this.perSecond - this.#times.length;
      if (free > 0) {
        const count = Math.min(free, want);
        for (let i = 0; i < count; i++) this.#times.push(at);
        return { count, at };
      }
      await this.sleep((this.#times[0] ?? at) + 1000 - at + 1);
    }
  }
}
