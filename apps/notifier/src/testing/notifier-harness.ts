import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { CloudEvent, DataOf, Severity, streamDefinitions, Subject } from '@firebreak/contracts';
import { BusConnection, EventConsumer, EventPublisher, SubjectNames } from '@firebreak/bus';
import { Clock, CLOCK, createService } from '@firebreak/platform';
import { resolveDatabaseUrl, resolveNatsUrl, waitFor } from '@firebreak/testing';

/**
 * Test support for the notifier's integration tests: the app in-process, a publisher that plays
 * the mapper, collectors for what the notifier publishes, and clean-up of schema and streams.
 * The spec sets the environment (NATS_URL, FIREBREAK_*, provider URLs) before start().
 */
export class NotifierHarness {
  app!: NestFastifyApplication;
  connection!: BusConnection;
  publisher!: EventPublisher;
  private readonly collectors: Array<EventConsumer<Subject>> = [];
  private readonly logger = pino({ level: 'silent' });

  constructor(
    readonly prefix: string,
    readonly schema: string,
    readonly configDir: string,
  ) {}

  static writeConfig(channelsYaml: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'notifier-config-'));
    writeFileSync(join(dir, 'channels.yaml'), channelsYaml);
    return dir;
  }

  /** Points the app at the local NATS and Postgres, under this harness's prefix, schema and config; returns the NATS URL. */
  async useEnvironment(extra: Record<string, string> = {}): Promise<string> {
    const natsUrl = await resolveNatsUrl();
    Object.assign(process.env, {
      NATS_URL: natsUrl,
      DATABASE_URL: await resolveDatabaseUrl(),
      FIREBREAK_SUBJECT_PREFIX: this.prefix,
      FIREBREAK_DB_SCHEMA: this.schema,
      FIREBREAK_CONFIG_DIR: this.configDir,
      ...extra,
    });
    return natsUrl;
  }

  /** `clock`: the time the app decides by (rates, retries, latency) instead of the system's. */
  async start(module: Type<unknown>, natsUrl: string, options: { clock?: Pick<Clock, 'now'> } = {}): Promise<void> {
    this.app = await createService(module, { app: 'notifier', description: 'test' });
    // Every provider holds the one CLOCK object, so moving its `now` moves theirs (as the mapper harness does).
    const { clock } = options;
    if (clock) this.app.get<Clock>(CLOCK).now = () => clock.now();
    await this.app.init();
    await this.app.getHttpAdapter().getInstance().ready();
    this.connection = await BusConnection.connect({ natsUrl, name: 'notifier-test', logger: this.logger });
    this.publisher = new EventPublisher(this.connection, {
      source: 'mapper',
      subjects: new SubjectNames(this.prefix),
      publishTimeoutMs: 5000,
    });
  }

  /** Collects every event of a subject the notifier publishes, from now on. */
  async collect<S extends Subject>(subject: S): Promise<Array<CloudEvent<DataOf<S>>>> {
    const events: Array<CloudEvent<DataOf<S>>> = [];
    const handler = async (event: CloudEvent<DataOf<S>>) => void events.push(event);
    const consumer = new EventConsumer(
      this.connection,
      this.publisher,
      new SubjectNames(this.prefix),
      { subject, durable: `test-${subject.replace(/\./g, '-')}`, handler },
      this.logger,
    );
    await consumer.start();
    this.collectors.push(consumer as unknown as EventConsumer<Subject>);
    return events;
  }

  async stop(databaseUrl: string): Promise<void> {
    await Promise.all(this.collectors.map((collector) => collector.drain()));
    await this.app?.close();
    for (const stream of streamDefinitions({ subjectPrefix: this.prefix }))
      await this.connection?.jsm.streams.delete(stream.name).catch(() => undefined);
    this.publisher?.close();
    await this.connection?.drain();
    const ds = new DataSource({ type: 'postgres', url: databaseUrl });
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    await ds.destroy();
    rmSync(this.configDir, { recursive: true, force: true });
  }

  inject(options: { method: 'GET' | 'POST'; url: string; token?: string; payload?: unknown }) {
    const headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
    return this.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method: options.method, url: options.url, payload: options.payload as never, headers });
  }

  async history(query: string, token: string): Promise<{ items: Array<Record<string, unknown>>; nextCursor: string | null }> {
    return (await this.inject({ method: 'GET', url: `/api/v1/notifications?${query}`, token })).json();
  }

  /** Every delivery of the fingerprint has left the queue (sent, failed, skipped or folded). */
  async settled(fp: string, count: number, token: string): Promise<Array<Record<string, unknown>>> {
    let items: Array<Record<string, unknown>> = [];
    await waitFor(
      async () => {
        items = (await this.history(`fingerprint=${fp}&limit=500`, token)).items;
        return items.length >= count && items.every((item) => item.status !== 'pending');
      },
      { timeoutMs: 20_000, message: () => `deliveries of ${fp}: ${JSON.stringify(items.map((i) => [i.channel, i.status, i.lastError]))}` },
    );
    return items;
  }

  announce(data: DataOf<'alerts.notify'>, options: { time?: Date } = {}) {
    return this.publisher.publish('alerts.notify', data, { id: randomUUID(), subject: data.alert.fingerprint, ...options });
  }
}

export const fingerprint = () => randomBytes(8).toString('hex');

/** An announcement as the mapper publishes it. */
export function alertNotify(
  kind: DataOf<'alerts.notify'>['kind'],
  fp: string,
  severity: Severity,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): DataOf<'alerts.notify'> {
  return {
    kind,
    receivedAt: new Date().toISOString(),
    occurrences: 1,
    alert: {
      fingerprint: fp,
      status: kind === 'resolved' ? 'resolved' : 'firing',
      labels: { alertname: `Alert_${fp}`, severity, ...labels },
      annotations: { summary: `summary of ${fp}`, runbook_url: 'https://runbooks.example/x', ...annotations },
      severity,
      startsAt: '2025-01-01T00:00:00.000Z',
      endsAt: kind === 'resolved' ? '2025-01-01T00:05:00.000Z' : null,
      generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
    },
  };
}
