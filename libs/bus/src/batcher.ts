export interface BatcherOptions<T> {
  /** Most items in one batch. */
  maxSize: number;
  /** Most batches running at once (each holds a database connection). */
  maxInFlight: number;
  /**
   * Items with the same key never share a batch nor run in two batches at once; they keep their
   * order. Without a key, batches are taken from the front of the queue in submission order.
   */
  key?: (item: T) => string;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers items submitted in the same turn of the event loop (a burst of messages) into batches
 * and runs each batch with one call: a storm costs one transaction per batch, not per message.
 * When a batch fails, its items are run one by one, so one poisonous item fails alone instead of
 * taking its batch-mates down with it.
 */
export class Batcher<T, R> {
  private readonly queue: Array<Waiting<T, R>> = [];
  private readonly busyKeys = new Set<string>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly options: BatcherOptions<T>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.release(batch);
        this.pump();
      });
    }
  }

  private take(): Array<Waiting<T, R>> {
    const { key, maxSize } = this.options;
    if (!key) return this.queue.splice(0, maxSize);
    const batch: Array<Waiting<T, R>> = [];
    const keys = new Set<string>();
    for (let index = 0; index < this.queue.length && batch.length < maxSize;) {
      const itemKey = key(this.queue[index].item);
      if (this.busyKeys.has(itemKey) || keys.has(itemKey)) {
        // A later item of a busy key must also wait, or it would overtake the earlier one.
        keys.add(itemKey);
        index++;
        continue;
      }
      keys.add(itemKey);
      batch.push(...this.queue.splice(index, 1));
    }
    for (const entry of batch) this.busyKeys.add(key(entry.item));
    return batch;
  }

  private release(batch: Array<Waiting<T, R>>): void {
    const { key } = this.options;
    if (key) for (const entry of batch) this.busyKeys.delete(key(entry.item));
  }

  private async execute(batch: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.run(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      // One at a time: a failing batch often means a struggling database.
      for (const entry of batch) await this.run([entry.item]).then(([result]) => entry.resolve(result), entry.reject);
    }
  }
}
