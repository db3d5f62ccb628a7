import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { BusConnection, SubjectNames } from '@firebreak/bus';
import { AppError, CONFIG, LOGGER } from '@firebreak/platform';
import { ConsoleConfig } from '../service';
import { SseClient } from './sse-client';
import { KEEP_ALIVE, sseEvent } from './sse-format';

/** What the page shows live. Read with plain core-NATS subscriptions: no consumer, nothing acked. */
export const LIVE_SUBJECTS = [
  'alerts.state.changed',
  'alerts.analysis',
  'runbooks.execution.*',
  'runbooks.approval.*',
  'slo.budget.changed',
] as const;

const KEEP_ALIVE_MS = 15_000;

/** One set of subscriptions per console process, fanned out to every open stream. */
@Injectable()
export class EventStreamService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly clients = new Set<SseClient>();
  private subscriptions: Subscription[] = [];
  private keepAlive?: NodeJS.Timeout;

  constructor(
    private readonly connection: BusConnection,
    private readonly subjects: SubjectNames,
    @Inject(CONFIG) private readonly config: ConsoleConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    // The client re-subscribes after a reconnect: a stream stays open through a NATS outage and resumes.
    this.subscriptions = LIVE_SUBJECTS.map((subject) =>
      this.connection.nc.subscribe(this.subjects.wire(subject), {
        callback: (error, msg) => {
          if (error) return void this.logger.warn({ err: error, subject }, 'live subscription error');
          const text = sseEvent(this.subjects.logical(msg.subject), msg.string());
          if (text) for (const client of this.clients) client.write(text);
        },
      }),
    );
    this.keepAlive = setInterval(() => this.clients.forEach((client) => client.write(KEEP_ALIVE)), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  /** Takes over the response and keeps it open until the caller goes away (or reads too slowly). */
  open(reply: FastifyReply): void {
    const max = this.config.FIREBREAK_CONSOLE_MAX_STREAMS;
    if (this.clients.size >= max) {
      throw new AppError(
        'too_many_streams',
        `the console already serves ${max} live streams (FIREBREAK_CONSOLE_MAX_STREAMS)`,
        429,
        undefined,
        {
          'Retry-After': '30',
        },
      );
    }
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    const client = new SseClient(reply.raw, (gone) => this.clients.delete(gone));
    this.clients.add(client);
    client.write(KEEP_ALIVE);
  }

  get openStreams(): number {
    return this.clients.size;
  }

  // Before shutdown: the server waits for open responses to end, and a live stream never would.
  beforeApplicationShutdown(): void {
    clearInterval(this.keepAlive);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    for (const client of [...this.clients]) client.close();
  }
}
