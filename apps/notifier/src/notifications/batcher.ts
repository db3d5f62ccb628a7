export interface BatcherOptions {
  /** Most items in one batch. */
  maxSize: number;
  /** Most batches running at once (each holds a database connection). */
  maxInFlight: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers items submitted in the same turn of the event loop (a burst of messages) into batches
 * and runs each batch with one call: a storm costs one transaction per batch, not per message.
 * When a batch fails, its items run one by one, so a poisonous item fails alone. (The mapper has
 * the same idea with per-key ordering; the notifier orders by announcement time instead.)
 */
export class Batcher<T, R> {
  private readonly queue: Array<Waiting<T, R>> = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly options: BatcherOptions,
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
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxSize);
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async execute(batch: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.run(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      for (const entry of batch) await this.run([entry.item]).then(([result]) => entry.resolve(result), entry.reject);
    }
  }
}
