import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { BusConnection, EventPublisher, provisionStreams, SubjectNames } from '@firebreak/bus';
import { CloudEvent, DataOf, streamDefinitions, streamForSubject, Subject } from '@firebreak/contracts';
import { CLOCK, Clock, createService } from '@firebreak/platform';
import { FakeClock, resolveDatabaseUrl, resolveNatsUrl, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';

/** Test support for the slo-reporter: the app in-process on a private prefix and schema, a bus probe, a movable clock. */

/** One SLO over the notifier's deliveries (bad: failed; total: delivered + failed), 90 % over 7 days. */
export const DELIVERY_SLO = `apiVersion: openslo/v1
kind: SLO
metadata: { name: delivery }
spec:
  service: firebreak
  indicator:
    spec:
      ratioMetric:
        bad: { metricSource: { type: Firebreak, spec: { signals: [notifications.failed] } } }
        total: { metricSource: { type: Firebreak, spec: { signals: [notifications.delivered, notifications.failed] } } }
  timeWindow: [{ duration: 7d, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ target: 0.9 }]
`;

export async function useInstallation(
  id: string,
  options: { tokens: string; slos: string; env?: Record<string, string> },
): Promise<BusProbe> {
  const dir = mkdtempSync(join(tmpdir(), 'slo-config-'));
  writeFileSync(join(dir, 'slos.yaml'), options.slos);
  process.env.FIREBREAK_SUBJECT_PREFIX = id;
  process.env.FIREBREAK_DB_SCHEMA = id;
  process.env.NATS_URL = await resolveNatsUrl();
  process.env.DATABASE_URL = await resolveDatabaseUrl();
  process.env.FIREBREAK_API_TOKENS = options.tokens;
  process.env.FIREBREAK_CONFIG_DIR = dir;
  // The tests evaluate when they choose; the poller's own ticks stay out of the way.
  process.env.FIREBREAK_SLO_EVAL_INTERVAL_MS = '3600000';
  process.env.LOG_LEVEL = 'silent';
  Object.assign(process.env, options.env);
  return BusProbe.connect(process.env.NATS_URL, id);
}

export async function startReporter(): Promise<NestFastifyApplication> {
  const app = await createService(AppModule, { app: 'slo-reporter', description: 'test' });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export async function closeInstallation(id: string, app: NestFastifyApplication | undefined, bus: BusProbe | undefined): Promise<void> {
  await app?.close();
  await bus?.close();
  const dataSource = await new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() }).initialize();
  await dataSource.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
  await dataSource.destroy();
}

/** Replaces the app's CLOCK `now` with a FakeClock the test moves (the app is built before the test picks its time). */
export function manualClock(app: NestFastifyApplication, start: Date): FakeClock {
  const fake = new FakeClock(start);
  app.get<Clock>(CLOCK).now = () => fake.now();
  return fake;
}

/** Writes minute buckets straight into the reporter's table: history, as promtool backfills Prometheus. */
export async function seedBuckets(
  app: NestFastifyApplication,
  rows: Array<{ signal: string; from: Date; to: Date; perMinute: number }>,
): Promise<void> {
  const dataSource = app.get(DataSource);
  const schema = (dataSource.options as { schema: string }).schema;
  for (const row of rows)
    await dataSource.query(
      `INSERT INTO "${schema}".event_counts (signal, bucket, count)
       SELECT $1, b, $4 FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 minute', interval '1 minute') AS b
       ON CONFLICT (signal, bucket) DO UPDATE SET count = "${schema}".event_counts.count + EXCLUDED.count`,
      [row.signal, row.from, row.to, row.perMinute],
    );
}

export function http(app: NestFastifyApplication) {
  const fastify = app.getHttpAdapter().getInstance();
  return (method: 'GET' | 'POST', url: string, token?: string) =>
    fastify.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** Publishes events as another service would, and reads what the reporter published. */
export class BusProbe {
  private constructor(
    readonly connection: BusConnection,
    readonly publisher: EventPublisher,
    readonly subjects: SubjectNames,
  ) {}

  static async connect(natsUrl: string, prefix: string): Promise<BusProbe> {
    const logger = pino({ level: 'silent' });
    const connection = await BusConnection.connect({ natsUrl, name: 'slo-test-probe', logger });
    const subjects = new SubjectNames(prefix);
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: prefix }), logger);
    return new BusProbe(connection, new EventPublisher(connection, { source: 'notifier', subjects, publishTimeoutMs: 5000 }), subjects);
  }

  async publish<S extends Subject>(subject: S, data: DataOf<S>, id: string): Promise<CloudEvent<DataOf<S>>> {
    return (await this.publisher.publish(subject, data, { id })).event;
  }

  /** The same event again under another Nats-Msg-Id, as a redelivery past JetStream's duplicate window would be. */
  async republish(subject: Subject, event: CloudEvent<unknown>): Promise<void> {
    await this.publisher.publishRaw(
      this.subjects.wire(subject),
      subject,
      new TextEncoder().encode(JSON.stringify(event)),
      `${event.id}-again`,
    );
  }

  /** Waits until the reporter's durable consumer of `subject` has nothing pending or unacknowledged. */
  async drained(subject: Subject): Promise<void> {
    const stream = streamForSubject(subject, this.subjects.prefix);
    const durable = `slo-reporter-${subject.replace(/\./g, '-')}`;
    await waitFor(
      async () => {
        const info = await this.connection.jsm.consumers.info(stream, durable).catch(() => null);
        return info !== null && info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
      },
      { message: `consumer ${durable} drained` },
    );
  }

  /** Every event published on `subject`. */
  async events<S extends Subject>(subject: S): Promise<Array<CloudEvent<DataOf<S>>>> {
    const stream = streamForSubject(subject, this.subjects.prefix);
    const { state } = await this.connection.jsm.streams.info(stream);
    const wire = this.subjects.wire(subject);
    const out: Array<CloudEvent<DataOf<S>>> = [];
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const msg = await this.connection.jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (msg && msg.subject === wire) out.push(msg.json<CloudEvent<DataOf<S>>>());
    }
    return out;
  }

  async close(): Promise<void> {
    for (const stream of streamDefinitions({ subjectPrefix: this.subjects.prefix }))
      await this.connection.jsm.streams.delete(stream.name).catch(() => undefined);
    this.publisher.close();
    await this.connection.drain();
  }
}
