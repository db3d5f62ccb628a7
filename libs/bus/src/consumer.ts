import { AckPolicy, ConsumerMessages, DeliverPolicy, JetStreamApiError, JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { deriveEventId, DLQ, EventOf, parseEvent, streamForSubject, Subject } from '@firebreak/contracts';
import { context, Context, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { AckBatch } from './ack-batch';
import { BusConnection } from './connection';
import { busMetrics, ConsumerLabels, consumerLabels } from './metrics';
import { EventPublisher } from './publisher';
import { DependencyUnavailableError } from './errors';
import { InProgressHeartbeat } from './in-progress';
import { DEFAULT_RETRY_POLICY, RetryPolicy, settle, Settlement } from './settlement';
import { SubjectNames } from './subjects';
import { lazyChild } from './lazy-logger';
import { extractTraceContext, tracingActive } from './trace';

export interface HandlerContext {
  /** The durable consumer this handler runs as: the inbox key of what it handles. */
  consumer: string;
  deliveryCount: number;
  streamSequence: number;
  log: Logger;
  /** Tells the server the handler is still busy (done automatically every ackWait/3 as well). */
  working(): void;
}

export type EventHandler<S extends Subject> = (event: EventOf<S>, ctx: HandlerContext) => Promise<void>;

export interface ConsumerOptions<S extends Subject> {
  subject: S;
  /** Durable name; replicas of a service share it and split the work. */
  durable: string;
  handler: EventHandler<S>;
  concurrency?: number;
  ackWaitMs?: number;
  retry?: Partial<RetryPolicy>;
}

const TRACER = 'firebreak-bus';
const tracer = trace.getTracer(TRACER);
const MAX_TRACKED_FAILURES = 10_000;
// The dead letter's own fields (ids, error text up to 4,000 characters, original headers).
const DLQ_ENVELOPE_ROOM_BYTES = 32_768;

/** A durable pull consumer with bounded concurrency; settlement is decided by settle(). */
export class EventConsumer<S extends Subject> {
  private messages?: ConsumerMessages;
  private inFlight = 0;
  private idle?: () => void;
  private slotFree?: () => void;
  private pendingTimer?: NodeJS.Timeout;
  private readonly policy: RetryPolicy;
  private readonly concurrency: number;
  private readonly ackWaitMs: number;
  private readonly stream: string;
  private readonly handlerFailures = new Map<number, number>();
  /** Acks every message in progress while its handler runs, every ackWait/3 (1 s at least). */
  private readonly heartbeat: InProgressHeartbeat;
  private readonly acks = new AckBatch();
  private readonly labels: ConsumerLabels;

  constructor(
    private readonly connection: BusConnection,
    private readonly publisher: EventPublisher,
    private readonly subjects: SubjectNames,
    private readonly options: ConsumerOptions<S>,
    private readonly logger: Logger,
  ) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.concurrency = options.concurrency ?? 16;
    this.ackWaitMs = options.ackWaitMs ?? 30_000;
    this.heartbeat = new InProgressHeartbeat(Math.max(1000, this.ackWaitMs / 3));
    this.stream = streamForSubject(options.subject, subjects.prefix);
    this.labels = consumerLabels(options.subject, options.durable);
  }

  async start(): Promise<void> {
    await this.ensureDurable();
    const consumer = await this.connection.js.consumers.get(this.stream, this.options.durable);
    this.messages = await consumer.consume({ max_messages: this.concurrency });
    this.pendingTimer = setInterval(() => void this.reportPending(), 5_000);
    this.pendingTimer.unref();
    void this.loop(this.messages);
    this.logger.info({ subject: this.options.subject, durable: this.options.durable, stream: this.stream }, 'consumer started');
  }

  /** Stops fetching and waits for the handlers in flight; unfetched messages stay in the stream. */
  async drain(): Promise<void> {
    clearInterval(this.pendingTimer);
    if (this.messages) {
      this.messages.stop();
      await this.messages.closed().catch(() => undefined);
    }
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  private async ensureDurable(): Promise<void> {
    const config = {
      durable_name: this.options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.subjects.wire(this.options.subject),
      // Unlimited on the server: settle() enforces maxDeliver for failures and waits out outages.
      max_deliver: -1,
      ack_wait: nanos(this.ackWaitMs),
      max_ack_pending: Math.max(1000, this.concurrency * 4),
    };
    try {
      await this.connection.jsm.consumers.add(this.stream, config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError)) throw error;
      // The durable exists with older settings: update what may change in place.
      await this.connection.jsm.consumers.update(this.stream, this.options.durable, {
        max_deliver: config.max_deliver,
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
      });
    }
  }

  private async loop(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      // Bounded concurrency: do not take the next message until a handler slot is free.
      if (this.inFlight >= this.concurrency) await new Promise<void>((resolve) => (this.slotFree = resolve));
      this.inFlight++;
      void this.handle(msg).finally(() => {
        this.inFlight--;
        const waiting = this.slotFree;
        this.slotFree = undefined;
        waiting?.();
        if (this.inFlight === 0) this.idle?.();
      });
    }
  }

  private async handle(msg: JsMsg): Promise<void> {
    const deliveryCount = msg.info.deliveryCount;
    const started = process.hrtime.bigint();
    if (deliveryCount === 1) this.observeDelay(msg.info.timestampNanos);
    const bindings: Record<string, unknown> = {
      consumer: this.options.durable,
      subject: this.options.subject,
      streamSeq: msg.info.streamSequence,
      deliveryCount,
    };
    // Built only when something logs: most messages log nothing at the enabled level.
    const log = lazyChild(this.logger, () => bindings);
    const parentContext = extractTraceContext(msg.headers);
    let failure: unknown;
    const run = async (span?: Span): Promise<void> => {
      // Held right before the try whose finally releases it (logger and trace context are built before, outside
      // it): a message held and never released would be acked in progress for ever, never redelivered.
      this.heartbeat.hold(msg);
      try {
        const event = parseEvent(this.options.subject, msg.json());
        const traceId = span ? span.spanContext().traceId : trace.getSpanContext(parentContext)?.traceId;
        Object.assign(bindings, { eventId: event.id, fingerprint: event.subject, traceId });
        await this.options.handler(event, {
          consumer: this.options.durable,
          deliveryCount,
          streamSequence: msg.info.streamSequence,
          log,
          working: () => msg.working(),
        });
      } catch (error) {
        failure = error;
        span?.recordException(error instanceof Error ? error : new Error(String(error)));
        span?.setStatus({ code: SpanStatusCode.ERROR });
      } finally {
        this.heartbeat.release(msg);
        span?.end();
      }
    };
    // A span only when spans are recorded; without one the incoming context alone carries the trace on.
    if (tracingActive(TRACER))
      await tracer.startActiveSpan(`process ${this.options.subject}`, { kind: SpanKind.CONSUMER }, parentContext, run);
    else await withContext(parentContext, () => run());
    busMetrics.handlerDuration.observe(this.labels.consumer, Number(process.hrtime.bigint() - started) / 1e9);
    const attempts = { deliveries: deliveryCount, failures: this.countFailure(msg.info.streamSequence, failure) };
    const settlement = settle(failure, attempts, this.policy);
    if (settlement.action !== 'nak') this.handlerFailures.delete(msg.info.streamSequence);
    await withContext(parentContext, () =>
      this.apply(msg, settlement, failure === undefined ? log : lazyChild(this.logger, () => ({ ...bindings, err: failure }))),
    );
  }

  /**
   * The wait of a first delivery since JetStream stored it (server and service share a clock, or NTP keeps them
   * close: a reading that would be negative counts as none).
   */
  private observeDelay(storedAtNanos: number): void {
    const waitedMs = Math.max(0, Date.now() - storedAtNanos / 1e6);
    busMetrics.consumeDelay.observe(this.labels.consumer, waitedMs / 1000);
  }

  /**
   * Handler failures per message, apart from the server's delivery count (which an outage and a
   * crash also raise). Kept in memory: a restart gives a failing message its retries again, which
   * errs towards keeping it, never towards dead-lettering it early.
   */
  private countFailure(streamSequence: number, failure: unknown): number {
    const before = this.handlerFailures.get(streamSequence) ?? 0;
    if (failure === undefined || failure instanceof DependencyUnavailableError) return before;
    this.handlerFailures.delete(streamSequence);
    this.handlerFailures.set(streamSequence, before + 1);
    // Messages another replica finished never come back here: forget the oldest beyond a bound.
    if (this.handlerFailures.size > MAX_TRACKED_FAILURES) this.handlerFailures.delete(this.handlerFailures.keys().next().value!);
    return before + 1;
  }

  private async apply(msg: JsMsg, settlement: Settlement, log: Logger): Promise<void> {
    switch (settlement.action) {
      case 'ack':
        await this.acks.ack(msg);
        busMetrics.consumed.inc(this.labels.ok);
        return;
      case 'nak':
        log.warn({ delayMs: settlement.delayMs }, 'handler failed; will retry');
        msg.nak(settlement.delayMs);
        busMetrics.consumed.inc(this.labels.retry);
        return;
      case 'dead_letter':
        try {
          await this.deadLetter(msg, settlement);
          msg.ack();
          busMetrics.deadLettered.inc({ ...this.labels.consumer, reason: settlement.reason });
          busMetrics.consumed.inc(this.labels.deadLettered);
          log.error({ reason: settlement.reason, error: settlement.error }, 'message dead-lettered');
        } catch (error) {
          // The DLQ is unreachable: keep the message rather than lose it.
          log.error({ err: error }, 'dead-lettering failed; message will be redelivered');
          msg.nak(this.policy.backoffMs[0]);
        }
        return;
    }
  }

  /**
   * The original payload, cut when the dead letter around it would exceed the server's limit: a
   * message that big could otherwise never be dead-lettered and would be redelivered for ever.
   */
  private dlqPayload(text: string): { text: string; cut: boolean } {
    const room = this.publisher.maxEventBytes() - DLQ_ENVELOPE_ROOM_BYTES;
    if (Buffer.byteLength(JSON.stringify(text), 'utf8') <= room) return { text, cut: false };
    // JSON-escaped inside the dead letter, a character can take up to six bytes.
    return { text: text.slice(0, Math.floor(room / 6)), cut: true };
  }

  private async deadLetter(msg: JsMsg, settlement: Extract<Settlement, { action: 'dead_letter' }>): Promise<void> {
    const headers: Record<string, string> = {};
    for (const key of msg.headers?.keys() ?? []) headers[key] = msg.headers!.get(key);
    const originalEventId = msg.headers?.get('Nats-Msg-Id') || null;
    const id = deriveEventId('dlq', this.options.durable, this.stream, msg.info.streamSequence);
    const payload = this.dlqPayload(msg.string());
    const event = {
      specversion: '1.0' as const,
      id,
      source: `firebreak/${this.publisher.source}`,
      type: DLQ.type,
      time: new Date().toISOString(),
      datacontenttype: 'application/json' as const,
      subject: this.options.subject,
      data: DLQ.schema.parse({
        originalSubject: this.options.subject,
        originalEventId,
        consumer: this.options.durable,
        deliveries: msg.info.deliveryCount,
        reason: settlement.reason,
        error:
          settlement.error.slice(0, 4000) +
          (payload.cut ? ` (payload cut to ${payload.text.length} characters to fit the dead-letter message)` : ''),
        deadLetteredAt: new Date().toISOString(),
        payload: payload.text,
        headers,
      }),
    };
    await this.publisher.publishRaw(
      this.subjects.deadLetter(this.options.subject),
      'dlq',
      new TextEncoder().encode(JSON.stringify(event)),
      id,
    );
  }

  private async reportPending(): Promise<void> {
    try {
      const info = await this.connection.jsm.consumers.info(this.stream, this.options.durable);
      busMetrics.consumerPending.set({ stream: this.stream, consumer: this.options.durable }, info.num_pending + info.num_ack_pending);
    } catch {
      // Metrics are best effort; a failed lookup (NATS away) leaves the last value.
    }
  }
}

/** Runs `fn` in `ctx`, skipping the context switch when it is already the active one (no incoming trace). */
function withContext<T>(ctx: Context, fn: () => T): T {
  return ctx === context.active() ? fn() : context.with(ctx, fn);
}
