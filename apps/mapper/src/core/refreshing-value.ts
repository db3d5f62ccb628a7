export interface RefreshingValueOptions {
  /** How long a loaded value is served before the next read loads again. */
  maxAgeMs: number;
  /** Called on the first failed refresh of a streak (a value is still being served); not again until a refresh succeeds. */
  onStale?: (error: unknown) => void;
  /** Called when a refresh succeeds after a streak of failures. */
  onRecovered?: () => void;
  /** Milliseconds now; injectable so tests need not wait. */
  now?: () => number;
}

/**
 * A value loaded from Postgres and kept in memory for `maxAgeMs`, so a storm of alerts does not
 * query it per alert. `invalidate()` after a local change makes the next read load again, even
 * when a load that started before the change is still running.
 *
 * When a refresh fails, the last good value is served (an outage must not fail every read that
 * only wanted a cached table) and the next read tries again; only a read with no value loaded yet
 * fails, with the load's own error.
 */
export class RefreshingValue<T> {
  private value?: { current: T };
  private loadedAt = Number.NEGATIVE_INFINITY;
  private generation = 0;
  private loading?: { generation: number; promise: Promise<void> };
  private failing = false;
  private readonly now: () => number;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly options: RefreshingValueOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<T> {
    // Two rounds at most: a load overtaken by an invalidation is followed by one fresh load.
    for (let round = 0; round < 2 && this.isStale(); round++) {
      try {
        await this.refresh();
      } catch (error) {
        if (!this.value) throw error;
        if (!this.failing) this.options.onStale?.(error);
        this.failing = true;
        return this.value.current;
      }
    }
    if (!this.value) throw new Error('RefreshingValue: no value loaded');
    return this.value.current;
  }

  /** The last value loaded, without loading; undefined before the first load. */
  peek(): T | undefined {
    return this.value?.current;
  }

  invalidate(): void {
    this.generation++;
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private isStale(): boolean {
    return this.now() - this.loadedAt > this.options.maxAgeMs;
  }

  private refresh(): Promise<void> {
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const promise = this.load().then((value) => {
      if (this.failing) {
        this.failing = false;
        this.options.onRecovered?.();
      }
      if (generation !== this.generation) {
        // Overtaken by an invalidation: not fresh enough to keep, but better than nothing for a first read.
        this.value ??= { current: value };
        return;
      }
      this.value = { current: value };
      this.loadedAt = this.now();
    });
    const entry = { generation, promise };
    this.loading = entry;
    void promise
      .finally(() => {
        if (this.loading === entry) this.loading = undefined;
      })
      .catch(() => undefined);
    return promise;
  }
}
