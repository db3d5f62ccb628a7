import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { BusConnection, EventConsumer, EventPublisher, HandlerContext, SubjectNames, TransactionalMessaging } from '@firebreak/bus';
import { EventOf, Subject } from '@firebreak/contracts';
import { Clock, CLOCK, LOGGER } from '@firebreak/platform';
import { MISSING, pathSegments, valueAt } from '../definitions/data-path';
import { DETECTORS, DetectorCatalog, HeartbeatDetector } from '../definitions/detector-config';
import { HeartbeatsRepository } from './heartbeats.repository';

interface Watcher {
  detector: HeartbeatDetector;
  match: Array<{ segments: string[]; value: unknown }>;
}

/** Durable name of the consumer feeding heartbeats from `subject`; apart from any `@OnEvent` handler's `<app>-<subject>`. */
export const heartbeatDurable = (subject: Subject): string => `detector-scheduler-heartbeat-${subject.replace(/\./g, '-')}`;

/**
 * Beats from the bus: one durable consumer per subject that enabled heartbeat detectors name in
 * `event` (the subjects come from detectors.yaml, so `@OnEvent`, fixed at compile time, cannot
 * declare them; this builds the same EventConsumer the ConsumerHost builds for `@OnEvent`). An
 * event whose data holds every `match` value is a beat of that detector, recorded with the inbox
 * in one transaction, so a redelivery never counts twice. The beat's time is the event's own
 * `time` (never later than now): a backlog read after an outage, or a stream's history read by a
 * new consumer, shows when the job last ran, not when Firebreak got round to reading it.
 */
@Injectable()
export class HeartbeatEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumers: Array<EventConsumer<Subject>> = [];
  private readonly watchers = new Map<Subject, Watcher[]>();

  constructor(
    @Inject(DETECTORS) catalog: DetectorCatalog,
    private readonly repository: HeartbeatsRepository,
    private readonly messaging: TransactionalMessaging,
    private readonly connection: BusConnection,
    private readonly publisher: EventPublisher,
    private readonly subjects: SubjectNames,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    for (const detector of catalog.detectors) {
      if (detector.type !== 'heartbeat' || !detector.enabled || !detector.event) continue;
      const match = Object.entries(detector.event.match).map(([path, value]) => ({ segments: pathSegments(path), value }));
      const list = this.watchers.get(detector.event.subject) ?? [];
      list.push({ detector, match });
      this.watchers.set(detector.event.subject, list);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    for (const subject of this.watchers.keys()) {
      const consumer = new EventConsumer(
        this.connection,
        this.publisher,
        this.subjects,
        {
          subject,
          durable: heartbeatDurable(subject),
          handler: (event: EventOf<Subject>, ctx: HandlerContext) => this.handle(subject, event, ctx),
          concurrency: 8,
        },
        this.logger,
      );
      await consumer.start();
      this.consumers.push(consumer);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.drain()));
  }

  /** The detectors this event beats. */
  matching(subject: Subject, data: unknown): HeartbeatDetector[] {
    return (this.watchers.get(subject) ?? [])
      .filter((watcher) =>
        watcher.match.every(({ segments, value }) => {
          const found = valueAt(data, segments);
          return found !== MISSING && found === value;
        }),
      )
      .map((watcher) => watcher.detector);
  }

  private async handle(subject: Subject, event: EventOf<Subject>, ctx: HandlerContext): Promise<void> {
    const beaten = this.matching(subject, event.data);
    if (beaten.length === 0) return;
    const now = this.clock.now();
    const sent = Date.parse(event.time);
    const at = Number.isFinite(sent) && sent < now.getTime() ? new Date(sent) : now;
    const outcome = await this.messaging.run(
      async (tx) => {
        for (const detector of beaten) await this.repository.beat(detector.id, at, tx.manager);
      },
      { consumer: ctx.consumer, eventId: event.id },
    );
    if (!outcome.duplicate) ctx.log.debug({ detectors: beaten.map((d) => d.id), at }, 'heartbeat from a bus event');
  }
}
