import { isOutage } from './errors';

export interface BatcherOptions<T> {
  /** Most items in one batch. */
  maxSize: number;
  /** Most batches running at once (each holds a database connection). */
  maxInFlight: number;
  /**
   * Items with the same key keep their order: a batch never takes an item whose key a running batch
   * holds, and once one item of a key has to wait, every later item of that key waits too. Without a
   * key, batches are taken from the front of the queue in submission order.
   */
  key?: (item: T) => string;
  /**
   * With a key: whether an item must be the only one of its key in its batch. Default: every item is
   * (for runs that decide each item against what an earlier one of its key committed). Return false for
   * items whose run keeps their order within one batch, so a burst of one key costs one transaction,
   * not one per item.
   */
  alone?: (item: T) => boolean;
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
 * taking its batch-mates down with it; but once an item run alone meets an outage (see isOutage), the
 * items after it fail with it at once: against a dead database each would only wait out its own timeout.
 * (The first item is still tried alone: a batch whose one connection was killed is no outage.)
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
    const { key, maxSize, alone = () => true } = this.options;
    if (!key) return this.queue.splice(0, maxSize);
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
      // One at a time, in order: a failing batch often means a struggling database.
      for (let index = 0; index < batch.length; index++) {
        try {
          const [result] = await this.run([batch[index].item]);
          batch[index].resolve(result);
        } catch (itemError) {
          batch[index].reject(itemError);
          // Alone, an item still met an outage (not merely the batch's connection dying): the rest would only meet
          // it again, each after its own wait for a dead database.
          if (isOutage(itemError)) return batch.slice(index + 1).forEach((entry) => entry.reject(itemError));
        }
      }
    }
  }
}
