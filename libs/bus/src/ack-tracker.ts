import { createInbox, headers as natsHeaders, Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';

export interface PubAck {
  stream: string;
  seq: number;
  duplicate: boolean;
}

interface Pending {
  resolve: (ack: PubAck) => void;
  reject: (error: Error) => void;
  deadline: number;
}

/**
 * JetStream publish with many messages in flight: each message goes out as a core NATS publish
 * with a reply subject under one wildcard inbox, and the PubAcks are matched back by token — what
 * the Go client's PublishAsync does. nats.js's own `js.publish()` makes a request per message
 * and costs several times the CPU; this is the hot path of the ingress.
 */
export class AckTracker {
  private readonly prefix = createInbox();
  private readonly pending = new Map<string, Pending>();
  private readonly subscription: Subscription;
  private readonly sweeper: NodeJS.Timeout;
  private counter = 0;
  private outgoing: Array<{ token: string; subject: string; payload: Uint8Array; headers: MsgHdrs }> = [];
  private sendScheduled = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.subscription = nc.subscribe(`${this.prefix}.*`, { callback: (error, msg) => this.onReply(error, msg) });
    // One timer for all in-flight publishes, instead of one per message.
    this.sweeper = setInterval(() => this.expire(), Math.max(50, Math.min(1000, timeoutMs / 4)));
    this.sweeper.unref();
  }

  publish(subject: string, payload: Uint8Array, headers: MsgHdrs): Promise<PubAck> {
    const token = (this.counter++).toString(36);
    return new Promise<PubAck>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.outgoing.push({ token, subject, payload, headers });
      if (!this.sendScheduled) {
        this.sendScheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  /**
   * Sends what the whole event-loop turn queued: publishes of concurrent requests leave in one
   * socket write (nats.js alone flushes once per microtask, i.e. once per request).
   */
  private send(): void {
    this.sendScheduled = false;
    const batch = this.outgoing;
    this.outgoing = [];
    for (const message of batch) {
      try {
        this.nc.publish(message.subject, message.payload, { reply: `${this.prefix}.${message.token}`, headers: message.headers });
      } catch (error) {
        const entry = this.pending.get(message.token);
        this.pending.delete(message.token);
        entry?.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    clearInterval(this.sweeper);
    this.subscription.unsubscribe();
    for (const entry of this.pending.values()) entry.reject(new Error('publisher closed'));
    this.pending.clear();
  }

  private onReply(error: Error | null, msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length + 1);
    const entry = this.pending.get(token);
    if (!entry) return;
    this.pending.delete(token);
    if (error) return entry.reject(error);
    // A "no responders" status means no stream listens on the subject.
    if (msg.headers?.hasError) {
      return entry.reject(
        new Error(
          msg.headers.code === 503
            ? 'no JetStream stream answers this subject'
            : `NATS status ${msg.headers.code} ${msg.headers.description}`,
        ),
      );
    }
    try {
      const body = msg.json<{ stream?: string; seq?: number; duplicate?: boolean; error?: { code: number; description: string } }>();
      if (body.error) return entry.reject(new Error(`JetStream rejected the message: ${body.error.description} (${body.error.code})`));
      entry.resolve({ stream: body.stream ?? '', seq: body.seq ?? 0, duplicate: body.duplicate === true });
    } catch (parseError) {
      entry.reject(parseError instanceof Error ? parseError : new Error(String(parseError)));
    }
  }

  private expire(): void {
    const now = Date.now();
    for (const [token, entry] of this.pending) {
      if (entry.deadline > now) continue;
      this.pending.delete(token);
      entry.reject(new Error(`JetStream did not acknowledge within ${this.timeoutMs} ms`));
    }
  }
}

export { natsHeaders };
