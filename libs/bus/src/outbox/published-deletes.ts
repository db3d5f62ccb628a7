/**
 * Coalesces "published, delete the outbox rows" writes: one DELETE at a time per service, and the ids of
 * every transaction that publishes while it runs go together into the next one. Idle, a delete is
 * written at once (no timer, no added latency); under load, many transactions share one statement.
 *
 * Only ids that were published after their transaction committed reach here, so a delete can never
 * touch a row of a transaction that rolled back. A delete that fails or never runs (crash) leaves
 * the row unsent: the relay publishes it again with the same Nats-Msg-Id, which JetStream drops.
 */
export class PublishedDeletes {
  private next?: { ids: string[]; done: Promise<void>; settle: (error?: unknown) => void };
  private draining = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly write: (ids: string[]) => Promise<void>) {}

  /** Resolves once a statement deleting `ids` committed; rejects with that statement's error. */
  delete(ids: readonly string[]): Promise<void> {
    if (!this.next) {
      let settle!: (error?: unknown) => void;
      const done = new Promise<void>((resolve, reject) => (settle = (error) => (error === undefined ? resolve() : reject(error))));
      this.next = { ids: [], done, settle };
    }
    for (const id of ids) this.next.ids.push(id);
    const done = this.next.done;
    if (!this.draining) {
      // Set before the first await, so every delete() until the loop ends joins it rather than starting another.
      this.draining = true;
      this.running = this.drain();
    }
    return done;
  }

  /** Waits for the deletes already asked for (shutdown: nothing may use Postgres after it closes). */
  async idle(): Promise<void> {
    while (this.draining) await this.running;
  }

  private async drain(): Promise<void> {
    // Leaves a tick first, so the deletes asked for in the same tick as the first share its statement.
    await Promise.resolve();
    while (this.next) {
      const batch = this.next;
      this.next = undefined;
      try {
        await this.write(batch.ids);
        batch.settle();
      } catch (error) {
        batch.settle(error ?? new Error('deleting published outbox rows failed'));
      }
    }
    this.draining = false;
  }
}
