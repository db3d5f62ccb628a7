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

const tooMany = (message: string) => new AppError('too_many_streams', message, 429, undefined, { 'Retry-After': '30' });

/** One set of subscriptions per console process, fanned out to every open stream. */
@Injectable()
export class EventStreamService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly clients = new Set<SseClient>();
  /** Open streams per token name. */
  private readonly perHolder = new Map<string, number>();
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
  open(reply: FastifyReply, holder: string): void {
    this.checkRoom(holder);
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    const client = new SseClient(reply.raw, (gone) => {
      this.clients.delete(gone);
      const left = (this.perHolder.get(holder) ?? 1) - 1;
      if (left > 0) this.perHolder.set(holder, left);
      else this.perHolder.delete(holder);
    });
    this.clients.add(client);
    this.perHolder.set(holder, (this.perHolder.get(holder) ?? 0) + 1);
    client.write(KEEP_ALIVE);
  }

  /** One token may not take every place: each is held to its share, and all together to the total. */
  private checkRoom(holder: string): void {
    const perToken = this.config.FIREBREAK_CONSOLE_MAX_STREAMS_PER_TOKEN;
    if ((this.perHolder.get(holder) ?? 0) >= perToken) {
      throw tooMany(`this token already holds ${perToken} live streams (FIREBREAK_CONSOLE_MAX_STREAMS_PER_TOKEN): close one first`);
    }
    const max = this.config.FIREBREAK_CONSOLE_MAX_STREAMS;
    if (this.clients.size >= max) throw tooMany(`the console already serves ${max} live streams (FIREBREAK_CONSOLE_MAX_STREAMS)`);
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
