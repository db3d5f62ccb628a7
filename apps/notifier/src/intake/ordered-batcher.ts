export interface OrderedBatcherOptions<T> {
  /** Most items in one batch. */
  maxSize: number;
  /** Most batches running at once (each holds a database connection). */
  maxInFlight: number;
  /**
   * Items with one key are run in the order they were submitted: several may share a batch (the
   * run keeps their order within it), but a batch never takes an item whose key a running batch
   * holds, and once one item of a key has to wait, every later item of that key waits too.
   */
  key: (item: T) => string;
  /** An item that must be the only one of its key in its batch (its run reads what an earlier one of the key commits). */
  alone?: (item: T) => boolean;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Like `@firebreak/bus`'s Batcher with a key, except that items of one key may share a batch.
 * That Batcher puts at most one item per key in a batch, so a burst about one alert ran one
 * transaction per announcement, one after the other, while every handler slot waited on it.
 * Here only the *next* batch with the key waits for the running one.
 *
 * Items submitted in the same turn of the event loop (a burst of messages) are gathered into
 * batches, each run with one call. When a batch fails its items are run one by one, in order, so
 * one poisonous item fails alone and the order of a key still holds.
 */
export class OrderedBatcher<T, R> {
  private readonly queue: Array<Waiting<T, R>> = [];
  private readonly busyKeys = new Set<string>();
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly options: OrderedBatcherOptions<T>,
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
        for (const entry of batch) this.busyKeys.delete(this.options.key(entry.item));
        this.pump();
      });
    }
  }

  private take(): Array<Waiting<T, R>> {
    const { key, maxSize, alone = () => false } = this.options;
    const batch: Array<Waiting<T, R>> = [];
    const taken = new Set<string>();
    // Keys no further item may join this batch with: busy, already waiting, or closed by an item that must be alone.
    const closed = new Set<string>();
    for (let index = 0; index < this.queue.length && batch.length < maxSize;) {
      const { item } = this.queue[index];
      const itemKey = key(item);
      const mustBeAlone = alone(item);
      if (this.busyKeys.has(itemKey) || closed.has(itemKey) || (mustBeAlone && taken.has(itemKey))) {
        // A later item of the key must wait as well, or it would overtake this one.
        closed.add(itemKey);
        index++;
        continue;
      }
      taken.add(itemKey);
      if (mustBeAlone) closed.add(itemKey);
      batch.push(...this.queue.splice(index, 1));
    }
    for (const itemKey of taken) this.busyKeys.add(itemKey);
    return batch;
  }

  private async execute(batch: Array<Waiting<T, R>>): Promise<void> {
    try {
      const results = await this.run(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      // One at a time, in order: a failing batch often means a struggling database.
      for (const entry of batch) await this.run([entry.item]).then(([result]) => entry.resolve(result), entry.reject);
    }
  }
}
