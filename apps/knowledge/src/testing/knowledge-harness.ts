import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { BusConnection, EventPublisher, provisionStreams, SubjectNames } from '@firebreak/bus';
import { CloudEvent, DataOf, streamDefinitions, streamForSubject, Subject } from '@firebreak/contracts';
import { Clock, createService } from '@firebreak/platform';
import { resolveDatabaseUrl, resolveNatsUrl, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';

/** Test support for the knowledge service: the app in-process on a private prefix and schema, a bus probe, runbook files. */

/** token:role:name — the name is what the audit log records. */
export const TOKENS = 'viewer-token:viewer:vera,operator-token:operator:otto,admin-token:admin:alice';

/** A runbooks directory with `<id>.yaml` + `<id>.md` pairs. */
export function runbooksDir(runbooks: Array<{ id: string; title: string; description?: string; tags?: string[]; prose?: string }>): string {
  const dir = mkdtempSync(join(tmpdir(), 'knowledge-runbooks-'));
  for (const r of runbooks) {
    writeFileSync(
      join(dir, `${r.id}.yaml`),
      [
        `id: ${r.id}`,
        `title: ${JSON.stringify(r.title)}`,
        `description: ${JSON.stringify(r.description ?? '')}`,
        `tags: ${JSON.stringify(r.tags ?? [])}`,
        'steps: []',
        '',
      ].join('\n'),
    );
    if (r.prose) writeFileSync(join(dir, `${r.id}.md`), r.prose);
  }
  return dir;
}

export async function useInstallation(id: string, options: { runbooksDir: string; env?: Record<string, string> }): Promise<BusProbe> {
  process.env.FIREBREAK_SUBJECT_PREFIX = id;
  process.env.FIREBREAK_DB_SCHEMA = id;
  process.env.NATS_URL = await resolveNatsUrl();
  process.env.DATABASE_URL = await resolveDatabaseUrl();
  process.env.FIREBREAK_API_TOKENS = TOKENS;
  process.env.FIREBREAK_RUNBOOKS_DIR = options.runbooksDir;
  process.env.FIREBREAK_CONFIG_DIR = mkdtempSync(join(tmpdir(), 'knowledge-config-'));
  process.env.LOG_LEVEL = 'silent';
  Object.assign(process.env, options.env);
  return BusProbe.connect(process.env.NATS_URL, id);
}

/** `clock`: a FakeClock for tests that move time (storm windows); the real one otherwise. */
export async function startKnowledge(clock?: Clock): Promise<NestFastifyApplication> {
  const app = await createService(AppModule, { app: 'knowledge', description: 'test', clock });
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

export function http(app: NestFastifyApplication) {
  const fastify = app.getHttpAdapter().getInstance();
  return (method: 'GET' | 'POST' | 'PUT', url: string, token?: string, body?: unknown) =>
    fastify.inject({
      method,
      url,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
}

/** Announces runbooks as the executor does (upserted, version 1), so they may be recommended; waits until applied. */
export async function announceRunbooks(
  bus: BusProbe,
  runbooks: Array<{ id: string; title: string; description?: string; tags?: string[] }>,
) {
  for (const r of runbooks)
    await bus.publish(
      'runbooks.catalog.changed',
      {
        runbookId: r.id,
        action: 'upserted',
        source: 'file',
        version: 1,
        title: r.title,
        description: r.description,
        tags: r.tags ?? [],
        at: new Date().toISOString(),
      },
      `announce-${r.id}`,
    );
  await bus.drained('runbooks.catalog.changed');
}

/** Publishes events as another service would. */
export class BusProbe {
  private constructor(
    readonly connection: BusConnection,
    readonly publisher: EventPublisher,
    readonly subjects: SubjectNames,
  ) {}

  static async connect(natsUrl: string, prefix: string): Promise<BusProbe> {
    const logger = pino({ level: 'silent' });
    const connection = await BusConnection.connect({ natsUrl, name: 'knowledge-test-probe', logger });
    const subjects = new SubjectNames(prefix);
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: prefix }), logger);
    return new BusProbe(connection, new EventPublisher(connection, { source: 'mapper', subjects, publishTimeoutMs: 5000 }), subjects);
  }

  /** `time`: the event's own time (a run's request time is read from it). */
  async publish<S extends Subject>(subject: S, data: DataOf<S>, id: string, time?: Date): Promise<CloudEvent<DataOf<S>>> {
    return (await this.publisher.publish(subject, data, { id, time })).event;
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

  /** Waits until the knowledge service's durable consumer of `subject` has nothing pending or unacknowledged. */
  async drained(subject: Subject): Promise<void> {
    const stream = streamForSubject(subject, this.subjects.prefix);
    const durable = `knowledge-${subject.replace(/\./g, '-')}`;
    await waitFor(
      async () => {
        const info = await this.connection.jsm.consumers.info(stream, durable).catch(() => null);
        return info !== null && info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq > 0;
      },
      { message: `consumer ${durable} drained` },
    );
  }

  async close(): Promise<void> {
    for (const stream of streamDefinitions({ subjectPrefix: this.subjects.prefix }))
      await this.connection.jsm.streams.delete(stream.name).catch(() => undefined);
    this.publisher.close();
    await this.connection.drain();
  }
}
