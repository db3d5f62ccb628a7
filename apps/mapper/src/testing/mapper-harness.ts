import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { BusConnection, EventPublisher, provisionStreams, PubAck, SubjectNames } from '@firebreak/bus';
import {
  AlertReceived,
  AlertsReceivedBatch,
  alertFingerprint,
  CloudEvent,
  DataOf,
  deriveEventId,
  severityFromLabel,
  streamDefinitions,
  streamForSubject,
  Subject,
} from '@firebreak/contracts';
import { CLOCK, Clock, createService } from '@firebreak/platform';
import { FakeClock, resolveDatabaseUrl, resolveNatsUrl, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';

/** Test support for the mapper's integration tests: the app in-process, a bus probe, a movable clock. */

export function writeConfigDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mapper-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export interface InstallationOptions {
  tokens: string;
  config: Record<string, string>;
  env?: Record<string, string>;
}

/** Points this test file's process.env at an installation of its own (subjects, schema, config) and connects a probe. */
export async function useInstallation(id: string, options: InstallationOptions): Promise<BusProbe> {
  process.env.FIREBREAK_SUBJECT_PREFIX = id;
  process.env.FIREBREAK_DB_SCHEMA = id;
  process.env.NATS_URL = await resolveNatsUrl();
  process.env.DATABASE_URL = await resolveDatabaseUrl();
  process.env.FIREBREAK_API_TOKENS = options.tokens;
  process.env.FIREBREAK_CONFIG_DIR = writeConfigDir(options.config);
  process.env.LOG_LEVEL = 'silent';
  Object.assign(process.env, options.env);
  return BusProbe.connect(process.env.NATS_URL, id);
}

export async function closeInstallation(id: string, app: NestFastifyApplication | undefined, bus: BusProbe | undefined): Promise<void> {
  await app?.close();
  await bus?.close();
  await dropSchema(await resolveDatabaseUrl(), id);
}

export async function startMapper(): Promise<NestFastifyApplication> {
  const app = await createService(AppModule, { app: 'mapper', description: 'test' });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/**
 * One FakeClock the test moves, standing in for the `now` of every app attached to it (replicas
 * started later are attached too, so they all share one time). The app is created before the test
 * picks its start time, so its CLOCK's `now` is replaced rather than given to createService; sleeps
 * and the pollers' intervals stay real.
 */
export class ManualClock {
  private readonly fake: FakeClock;

  constructor(app: NestFastifyApplication, start: Date) {
    this.fake = new FakeClock(start);
    this.attach(app);
  }

  attach(app: NestFastifyApplication): void {
    app.get<Clock>(CLOCK).now = () => this.fake.now();
  }

  now(): Date {
    return this.fake.now();
  }

  advance(ms: number): Date {
    this.fake.set(new Date(this.fake.now().getTime() + ms));
    return this.now();
  }
}

export interface AlertInput {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  status?: 'firing' | 'resolved';
  startsAt: Date;
  endsAt?: Date | null;
  receivedAt: Date;
  id?: string;
}

export function alertEvent(input: AlertInput): { id: string; data: AlertReceived } {
  const status = input.status ?? 'firing';
  const fingerprint = alertFingerprint(input.labels);
  const data: AlertReceived = {
    source: 'alertmanager',
    receivedAt: input.receivedAt.toISOString(),
    receiver: 'firebreak',
    alert: {
      fingerprint,
      status,
      labels: input.labels,
      annotations: input.annotations ?? {},
      severity: severityFromLabel(input.labels.severity),
      startsAt: input.startsAt.toISOString(),
      endsAt: status === 'resolved' ? (input.endsAt ?? input.receivedAt).toISOString() : null,
      generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
    },
  };
  return { id: input.id ?? deriveEventId('test-alert', fingerprint, status, data.alert.startsAt, data.receivedAt), data };
}

/** Publishes events as another service would, and reads what the mapper published. */
export class BusProbe {
  private readonly seen = new Map<string, { lastSeq: number; messages: Array<{ subject: string; event: CloudEvent<unknown> }> }>();

  private constructor(
    readonly connection: BusConnection,
    readonly publisher: EventPublisher,
    readonly subjects: SubjectNames,
  ) {}

  static async connect(natsUrl: string, prefix: string): Promise<BusProbe> {
    const logger = pino({ level: 'silent' });
    const connection = await BusConnection.connect({ natsUrl, name: 'mapper-test-probe', logger });
    const subjects = new SubjectNames(prefix);
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: prefix }), logger);
    return new BusProbe(connection, new EventPublisher(connection, { source: 'ingress', subjects, publishTimeoutMs: 5000 }), subjects);
  }

  async publish<S extends Subject>(subject: S, data: DataOf<S>, id: string, fingerprint?: string): Promise<CloudEvent<DataOf<S>>> {
    return (await this.publisher.publish(subject, data, { id, subject: fingerprint })).event;
  }

  async publishAlert(input: AlertInput): Promise<CloudEvent<AlertReceived>> {
    const { id, data } = alertEvent(input);
    return this.publish('alerts.received', data, id, data.alert.fingerprint);
  }

  /**
   * One alerts.received.batch as the ingress publishes a request: each alert with the id the ingress
   * derives (from the alert alone, so a resend or regrouping keeps it), under an id derived from theirs.
   */
  async publishBatch(inputs: AlertInput[]): Promise<CloudEvent<AlertsReceivedBatch>> {
    const alerts = inputs.map((input) => {
      const { data } = alertEvent(input);
      const { fingerprint, status, startsAt, endsAt } = data.alert;
      return { id: input.id ?? deriveEventId(data.source, fingerprint, status, startsAt, endsAt), data };
    });
    const id = deriveEventId('alerts.received.batch', ...alerts.map((alert) => alert.id));
    return this.publish('alerts.received.batch', { alerts }, id);
  }

  /** The same event again under another Nats-Msg-Id, as a redelivery past JetStream's duplicate window would be. */
  async republish(subject: Subject, event: CloudEvent<unknown>): Promise<PubAck> {
    return this.publisher.publishRaw(
      this.subjects.wire(subject),
      subject,
      new TextEncoder().encode(JSON.stringify(event)),
      `${event.id}-again-${Date.now()}`,
    );
  }

  /** Every event published on `subject` so far, optionally only those about one fingerprint. */
  async events<S extends Subject>(subject: S, fingerprint?: string): Promise<Array<CloudEvent<DataOf<S>>>> {
    const stream = streamForSubject(subject, this.subjects.prefix);
    const cache = this.seen.get(stream) ?? { lastSeq: 0, messages: [] };
    this.seen.set(stream, cache);
    const { state } = await this.connection.jsm.streams.info(stream);
    for (let seq = Math.max(cache.lastSeq + 1, state.first_seq); seq <= state.last_seq; seq++) {
      const msg = await this.connection.jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (msg) cache.messages.push({ subject: msg.subject, event: msg.json<CloudEvent<unknown>>() });
      cache.lastSeq = seq;
    }
    const wire = this.subjects.wire(subject);
    return cache.messages
      .filter((message) => message.subject === wire && (fingerprint === undefined || message.event.subject === fingerprint))
      .map((message) => message.event as CloudEvent<DataOf<S>>);
  }

  /**
   * Events the mapper announced, each id once: still in its outbox, or published (a published outbox row is deleted).
   * The outbox is read first: a row published and deleted between the two reads is then seen on the stream.
   */
  async emitted<S extends Subject>(
    db: DataSource,
    schema: string,
    subject: S,
    fingerprint?: string,
  ): Promise<Array<CloudEvent<DataOf<S>>>> {
    const unsent: Array<{ event: CloudEvent<DataOf<S>> }> = await db.query(
      `SELECT event FROM "${schema}".outbox WHERE subject = $1 AND ($2::text IS NULL OR event->>'subject' = $2)`,
      [subject, fingerprint ?? null],
    );
    const events = [...unsent.map((row) => row.event), ...(await this.events(subject, fingerprint))];
    return [...new Map(events.map((event) => [event.id, event])).values()];
  }

  async waitForEvents<S extends Subject>(subject: S, fingerprint: string, count: number): Promise<Array<CloudEvent<DataOf<S>>>> {
    let events: Array<CloudEvent<DataOf<S>>> = [];
    await waitFor(async () => (events = await this.events(subject, fingerprint)).length >= count, {
      message: () =>
        `${count} ${subject} events for ${fingerprint}; saw ${events.length}: ${JSON.stringify(events.map((event) => event.data))}`,
    });
    return events;
  }

  async close(): Promise<void> {
    for (const stream of streamDefinitions({ subjectPrefix: this.subjects.prefix }))
      await this.connection.jsm.streams.delete(stream.name).catch(() => undefined);
    this.publisher.close();
    await this.connection.drain();
  }
}

/** Waits until the mapper's consumer committed the event (its inbox row exists). */
export async function processed(app: NestFastifyApplication, eventId: string, consumer = 'mapper-alerts-received'): Promise<void> {
  const dataSource = app.get(DataSource);
  const schema = (dataSource.options as { schema: string }).schema;
  await waitFor(
    async () =>
      (await dataSource.query(`SELECT 1 FROM "${schema}".inbox WHERE consumer = $1 AND event_id = $2`, [consumer, eventId])).length > 0,
    {
      message: `event ${eventId} handled by ${consumer}`,
    },
  );
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const dataSource = await new DataSource({ type: 'postgres', url: databaseUrl }).initialize();
  await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await dataSource.destroy();
}

export function http(app: NestFastifyApplication) {
  const fastify = app.getHttpAdapter().getInstance();
  return (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token?: string, payload?: unknown) =>
    fastify.inject({
      method,
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
}
