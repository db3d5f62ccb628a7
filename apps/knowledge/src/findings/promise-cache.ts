/**
 * Reads reused for `ttlMs` (0: off), at most `maxEntries` of them (Map order = insertion order, oldest first). The
 * promise is kept, so the alerts of a burst that ask at once share one read; a failed read is not kept (the next
 * caller asks again).
 */
export class PromiseCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}

  get(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    const value = read();
    if (this.ttlMs <= 0) return value;
    this.entries.delete(key);
    this.entries.set(key, { at: now, value });
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    for (const old of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(old);
    }
    return value;
  }
}
