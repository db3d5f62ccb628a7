/** What the heartbeat needs of a JetStream message: its in-progress ack. */
export interface WorkingMessage {
  working(): void;
}

/**
 * One timer for every message whose handler runs, in place of one setInterval each (created and cleared per
 * message: ~1 % of a busy consumer's CPU): each tick sends every such message an in-progress ack, which restarts
 * its ack wait. A message hears one within `periodMs` of its delivery and every `periodMs` after, as long as it is
 * held (its first may come sooner than from a timer of its own, never later). The timer stops at the first tick
 * that finds nothing held: a consumer busy on and off starts at most one timer a period.
 */
export class InProgressHeartbeat {
  private readonly held = new Set<WorkingMessage>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly periodMs: number) {}

  /** From the handler's start: the message is acked in progress until `release`. */
  hold(msg: WorkingMessage): void {
    this.held.add(msg);
    // Unref'd: the handlers' own I/O keeps the process up, not their heartbeat.
    this.timer ??= setInterval(() => this.beat(), this.periodMs).unref();
  }

  release(msg: WorkingMessage): void {
    this.held.delete(msg);
  }

  private beat(): void {
    if (this.held.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    for (const msg of this.held) {
      try {
        msg.working();
      } catch {
        // The connection is closing: the others still get theirs; an unacked message is redelivered, never lost.
      }
    }
  }
}
