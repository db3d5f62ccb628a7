/** A run the statement skipped, its row locked elsewhere: written again alone, waiting for the lock. */
export const BUSY: unique symbol = Symbol('busy');

/**
 * Sends one batch of writes as one statement and returns, by execution id, what each run whose lease held answered,
 * or BUSY for a run whose row was locked elsewhere (a run left out wrote nothing: its worker lost the lease).
 */
export type SendBatch<W, R> = (writes: W[]) => Promise<Map<string, R | typeof BUSY>>;

/** Sends one write, waiting for its run's row lock; answers as SendBatch, never BUSY. */
export type SendWaiting<W, R> = (write: W) => Promise<Map<string, R>>;

interface Queued<W, R> {
  write: W;
  resolve: (result: R | undefined) => void;
  reject: (error: unknown) => void;
}

/** Enough for any worker concurrency worth having on one process; more waits for the next batch. */
const MAX_BATCH = 200;

/**
 * Busy writes waiting for their row's lock at once, each on a pooled connection: a few, so rows locked elsewhere can
 * never take the pool from the heartbeats, the claims and the batches (the rest wait their turn in memory).
 */
const MAX_WAITING = 2;

/**
 * Gathers the writes of concurrent runs into one statement: a write goes at once when no batch is under way, and the
 * writes asked for while one is go together in the next, with one commit. At most one batch is in flight, so a write
 * waits for at most the batch before its own, and a lone write (a quiet process) waits for nothing.
 *
 * Each run has at most one write under way (the engine awaits it), so a batch holds a run once; a second write of the
 * same run would wait for the next batch all the same (one statement may not update a row twice). A batch Postgres
 * refuses (one run's state it cannot take) wrote nothing, being one statement: each of its writes is then sent as a
 * statement of its own (all at once), so the error reaches the run that caused it and no other. A batch whose
 * connection was lost may have committed: sent again, a step write writes the same (its attempts upserted, its outbox
 * rows kept), and a closing write finds its run ended and answers that the lease was lost; its events are in the
 * outbox, which the relay publishes.
 *
 * The statements under the slot skip a run whose row is locked elsewhere (BUSY): that run's write is sent again alone,
 * waiting for the lock, outside the slot (at most MAX_WAITING at once), so a row locked for long holds up its own
 * run, and at worst other busy ones, not every run of the process.
 */
export class WriteBatches<W extends { id: string }, R> {
  private queue: Array<Queued<W, R>> = [];
  private inFlight = false;
  /** Busy writes not yet sent waiting, in order, and how many are being sent. */
  private busy: Array<Queued<W, R>> = [];
  private waiting = 0;

  constructor(
    private readonly send: SendBatch<W, R>,
    private readonly sendWaiting: SendWaiting<W, R>,
  ) {}

  /** Resolves with the run's answer, or undefined when its worker no longer held the lease (nothing was written). */
  write(write: W): Promise<R | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      this.sendQueued();
    });
  }

  /** Sends what is queued unless a batch is under way (its end sends what queued meanwhile). */
  private sendQueued(): void {
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.take();
    this.inFlight = true;
    void (batch.length === 1 ? this.sendAlone(batch[0]) : this.sendTogether(batch)).finally(() => {
      this.inFlight = false;
      this.sendQueued();
    });
  }

  /** Up to MAX_BATCH queued writes, one per run; the rest stay queued in order. */
  private take(): Array<Queued<W, R>> {
    const batch: Array<Queued<W, R>> = [];
    const runs = new Set<string>();
    const rest: Array<Queued<W, R>> = [];
    for (const queued of this.queue) {
      if (batch.length < MAX_BATCH && !runs.has(queued.write.id)) {
        runs.add(queued.write.id);
        batch.push(queued);
      } else rest.push(queued);
    }
    this.queue = rest;
    return batch;
  }

  private async sendTogether(batch: Array<Queued<W, R>>): Promise<void> {
    let results: Map<string, R | typeof BUSY>;
    try {
      results = await this.send(batch.map((queued) => queued.write));
    } catch {
      // Each write in a statement of its own, so only the one Postgres refuses fails.
      await Promise.all(batch.map((queued) => this.sendAlone(queued)));
      return;
    }
    for (const queued of batch) this.answer(queued, results);
  }

  private async sendAlone(queued: Queued<W, R>): Promise<void> {
    try {
      this.answer(queued, await this.send([queued.write]));
    } catch (error) {
      queued.reject(error);
    }
  }

  /** The run's answer; a busy run is sent again alone, waiting for its lock outside the slot (not awaited here). */
  private answer(queued: Queued<W, R>, results: Map<string, R | typeof BUSY>): void {
    const result = results.get(queued.write.id.toLowerCase());
    if (result !== BUSY) return queued.resolve(result);
    this.busy.push(queued);
    this.sendBusy();
  }

  private sendBusy(): void {
    while (this.waiting < MAX_WAITING && this.busy.length > 0) {
      const queued = this.busy.shift()!;
      this.waiting++;
      void this.sendWaiting(queued.write)
        .then((waited) => queued.resolve(waited.get(queued.write.id.toLowerCase())), queued.reject)
        .finally(() => {
          this.waiting--;
          this.sendBusy();
        });
    }
  }
}
