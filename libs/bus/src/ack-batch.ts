/** What the batch needs of a JetStream message: its final ack. */
export interface AckableMessage {
  ack(): void;
}

/**
 * Sends the acks of the messages whose handlers finished in the same turn of the event loop together. nats.js
 * writes what was queued to the socket in a microtask after the first command of a turn; each handler finishes in
 * a microtask chain of its own, after that write, so acking each message as its handler ends cost one socket write
 * (and a wake-up of nats-server) per message. Queued here and sent in one synchronous run at the next check phase,
 * a burst's acks leave in one write.
 *
 * `ack` resolves only once the message's ack was handed to nats.js (rejects with what `ack()` threw, e.g. on a
 * closed connection), so a consumer that waits for its handlers in flight before it stops also waits for their acks.
 */
export class AckBatch {
  private waiting: AckableMessage[] = [];
  private sent?: Promise<Map<AckableMessage, unknown>>;

  async ack(msg: AckableMessage): Promise<void> {
    this.waiting.push(msg);
    this.sent ??= new Promise((resolve) => setImmediate(() => resolve(this.send())));
    const failures = await this.sent;
    if (failures.has(msg)) throw failures.get(msg);
  }

  private send(): Map<AckableMessage, unknown> {
    const messages = this.waiting;
    this.waiting = [];
    this.sent = undefined;
    const failures = new Map<AckableMessage, unknown>();
    for (const msg of messages) {
      try {
        msg.ack();
      } catch (error) {
        // This message's waiter hears it; the others' acks still go out.
        failures.set(msg, error);
      }
    }
    return failures;
  }
}
