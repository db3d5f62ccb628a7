import { CloudEvent, DataOf, Subject } from '@firebreak/contracts';
import { AckTracker, natsHeaders, PubAck } from './ack-tracker';
import { BusConnection } from './connection';
import { createEvent, EventOptions, trustedEvent } from './envelope';
import { PayloadTooLargeError, PublishError } from './errors';
import { busMetrics } from './metrics';
import { SubjectNames } from './subjects';
import { injectTraceContext, traceHeadersRecord } from './trace';

// Nats-Msg-Id and a W3C traceparent/tracestate take a few hundred bytes; 4 KiB is ample.
const HEADER_ROOM_BYTES = 4_096;

export interface PublishedEvent<T = unknown> {
  event: CloudEvent<T>;
  ack: PubAck;
}

export interface PublishItem<S extends Subject> {
  subject: S;
  data: DataOf<S>;
  options?: EventOptions;
}

export interface PublisherOptions {
  /** The app's name; events carry `source: firebreak/<app>`. */
  source: string;
  subjects: SubjectNames;
  publishTimeoutMs: number;
}

/**
 * Typed publish: validates data against its contract, sets `Nats-Msg-Id` to the event id (so the
 * stream drops a repeat), carries the trace context, and resolves only once JetStream has the event.
 */
export class EventPublisher {
  private readonly acks: AckTracker;
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly connection: BusConnection,
    private readonly options: PublisherOptions,
  ) {
    this.acks = new AckTracker(connection.nc, options.publishTimeoutMs);
  }

  get source(): string {
    return this.options.source;
  }

  isConnected(): boolean {
    return this.connection.isConnected();
  }

  build<S extends Subject>(subject: S, data: DataOf<S>, options?: EventOptions): CloudEvent<DataOf<S>> {
    return createEvent(this.options.source, subject, data, options);
  }

  /** `build` for data the caller built itself from input it had already validated (see `trustedEvent`). */
  buildTrusted<S extends Subject>(subject: S, data: DataOf<S>, options?: EventOptions): CloudEvent<DataOf<S>> {
    return trustedEvent(this.options.source, subject, data, options);
  }

  async publish<S extends Subject>(subject: S, data: DataOf<S>, options?: EventOptions): Promise<PublishedEvent<DataOf<S>>> {
    const event = this.build(subject, data, options);
    return { event, ack: await this.publishEvent(subject, event) };
  }

  /**
   * Keeps every publish in flight at once; rejects with the first failure once all have settled.
   * An event too large for the server refuses the whole batch before anything is published.
   */
  publishMany<S extends Subject>(items: Array<PublishItem<S>>): Promise<Array<PublishedEvent<DataOf<S>>>> {
    return this.publishBatch(items, (item) => this.build(item.subject, item.data, item.options));
  }

  /**
   * `publishMany` for data the caller built itself from input it had already validated (the ingress
   * after its edge validation): the same guarantees without validating every event a second time.
   */
  publishTrustedMany<S extends Subject>(items: Array<PublishItem<S>>): Promise<Array<PublishedEvent<DataOf<S>>>> {
    return this.publishBatch(items, (item) => this.buildTrusted(item.subject, item.data, item.options));
  }

  private async publishBatch<S extends Subject>(
    items: Array<PublishItem<S>>,
    build: (item: PublishItem<S>) => CloudEvent<DataOf<S>>,
  ): Promise<Array<PublishedEvent<DataOf<S>>>> {
    const events = items.map(build);
    const payloads = events.map((event) => this.encoder.encode(JSON.stringify(event)));
    for (let index = 0; index < items.length; index++) this.refuseOversized(items[index].subject, payloads[index]);
    // One trace context for the whole batch: they all come from the same caller.
    const traceHeaders = traceHeadersRecord();
    const results = await Promise.allSettled(
      events.map((event, index) =>
        this.publishRaw(this.options.subjects.wire(items[index].subject), items[index].subject, payloads[index], event.id, traceHeaders),
      ),
    );
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
    return events.map((event, index) => ({ event, ack: (results[index] as PromiseFulfilledResult<PubAck>).value }));
  }

  /**
   * Publishes an already built (and validated) event, e.g. from the outbox. `eventJson`: the event's JSON when the
   * caller already made it (the outbox row's), published as is rather than encoded a second time.
   */
  async publishEvent(
    subject: string,
    event: CloudEvent<unknown>,
    traceHeaders?: Record<string, string>,
    eventJson?: string,
  ): Promise<PubAck> {
    return this.publishRaw(
      this.options.subjects.wire(subject),
      subject,
      eventJson === undefined ? this.encoder.encode(JSON.stringify(event)) : Buffer.from(eventJson, 'utf8'),
      event.id,
      traceHeaders,
    );
  }

  /** The low-level path for payloads that are already encoded (dead letters, replays). */
  async publishRaw(
    wireSubject: string,
    metricSubject: string,
    payload: Uint8Array,
    msgId: string,
    traceHeaders?: Record<string, string>,
  ): Promise<PubAck> {
    // nats.js buffers publishes while disconnected, without a bound: fail fast instead, and let the
    // caller answer 503 or leave the event in its outbox.
    if (!this.connection.isConnected()) {
      busMetrics.publishFailed.inc({ subject: metricSubject });
      throw new PublishError(`publish to ${wireSubject} failed: NATS is disconnected`, metricSubject);
    }
    this.refuseOversized(metricSubject, payload);
    const headers = natsHeaders();
    headers.set('Nats-Msg-Id', msgId);
    if (traceHeaders) for (const key in traceHeaders) headers.set(key, traceHeaders[key]);
    else injectTraceContext(headers);
    try {
      const ack = await this.acks.publish(wireSubject, payload, headers);
      busMetrics.published.inc({ subject: metricSubject });
      if (ack.duplicate) busMetrics.duplicates.inc({ subject: metricSubject });
      return ack;
    } catch (error) {
      busMetrics.publishFailed.inc({ subject: metricSubject });
      throw new PublishError(`publish to ${wireSubject} failed: ${error instanceof Error ? error.message : String(error)}`, metricSubject, {
        cause: error,
      });
    }
  }

  /**
   * The largest event payload the server takes: its max_payload as announced on connect (1 MiB by
   * default), less room for the headers that travel in the same message.
   */
  maxEventBytes(): number {
    return (this.connection.nc.info?.max_payload ?? 1_048_576) - HEADER_ROOM_BYTES;
  }

  // Not a publish failure (nothing was sent, the server refused nothing): the ingress cuts such an
  // alert and publishes it again, so counting it would count a failure for every alert it carried.
  private refuseOversized(subject: string, payload: Uint8Array): void {
    if (payload.length <= this.maxEventBytes()) return;
    throw new PayloadTooLargeError(subject, payload.length, this.maxEventBytes());
  }

  close(): void {
    this.acks.close();
  }
}
