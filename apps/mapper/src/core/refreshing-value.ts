/**
 * A value loaded from Postgres and kept in memory for `maxAgeMs`, so a storm of alerts does not
 * query it per alert. `invalidate()` after a local change makes the next read load again, even
 * when a load that started before the change is still running.
 */
export class RefreshingValue<T> {
  private value: T;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private generation = 0;
  private loading?: { generation: number; promise: Promise<void> };

  constructor(
    initial: T,
    private readonly load: () => Promise<T>,
    private readonly maxAgeMs: number,
  ) {
    this.value = initial;
  }

  async get(): Promise<T> {
    // Two rounds at most: a load overtaken by an invalidation is followed by one fresh load.
    for (let round = 0; round < 2 && this.isStale(); round++) await this.refresh();
    return this.value;
  }

  invalidate(): void {
    this.generation++;
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private isStale(): boolean {
    return Date.now() - this.loadedAt > this.maxAgeMs;
  }

  private refresh(): Promise<void> {
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const promise = this.load().then((value) => {
      if (generation !== this.generation) return;
      this.value = value;
      this.loadedAt = Date.now();
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
