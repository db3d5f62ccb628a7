import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { BusConnection, provisionStreams, SubjectNames } from '@firebreak/bus';
import { CloudEvent, DataOf, streamDefinitions, streamForSubject, Subject } from '@firebreak/contracts';
import { Clock, createService } from '@firebreak/platform';
import { resolveDatabaseUrl, resolveNatsUrl, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { DetectorScheduler } from '../runs/detector-scheduler';

/** Test support for the detector-scheduler's integration tests: an installation of its own, the app in-process, a bus reader. */

export const TOKENS = 'viewer-token-123:viewer:vera,operator-token-1:operator:olga,admin-token-1234:admin:adam';

/** Points this test file's process.env at its own subjects, schema and config dir, with `detectors.yaml` as given. */
export async function useInstallation(id: string, files: Record<string, string>, env: Record<string, string> = {}): Promise<BusReader> {
  process.env.FIREBREAK_SUBJECT_PREFIX = id;
  process.env.FIREBREAK_DB_SCHEMA = id;
  process.env.NATS_URL = await resolveNatsUrl();
  process.env.DATABASE_URL = await resolveDatabaseUrl();
  process.env.FIREBREAK_API_TOKENS = TOKENS;
  const dir = mkdtempSync(join(tmpdir(), 'detectors-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  process.env.FIREBREAK_CONFIG_DIR = dir;
  process.env.LOG_LEVEL = 'silent';
  // The poller's own timer never fires in a test: tests move the clock and call runDue().
  process.env.FIREBREAK_DETECTOR_POLL_MS = '600000';
  Object.assign(process.env, env);
  return BusReader.connect(process.env.NATS_URL, id);
}

export async function startScheduler(clock?: Clock): Promise<NestFastifyApplication> {
  const app = await createService(AppModule, { app: 'detector-scheduler', description: 'test', clock });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

export function runDue(app: NestFastifyApplication) {
  return app.get(DetectorScheduler).runDue();
}

export async function closeInstallation(
  id: string,
  apps: Array<NestFastifyApplication | undefined>,
  bus: BusReader | undefined,
): Promise<void> {
  for (const app of apps) await app?.close();
  await bus?.close();
  const dataSource = await new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() }).initialize();
  await dataSource.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
  await dataSource.destroy();
}

export function http(app: NestFastifyApplication) {
  const fastify = app.getHttpAdapter().getInstance();
  return (method: 'GET' | 'POST', url: string, token?: string) =>
    fastify.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

/** Reads what was published on the installation's streams. */
export class BusReader {
  private constructor(
    readonly connection: BusConnection,
    readonly subjects: SubjectNames,
  ) {}

  static async connect(natsUrl: string, prefix: string): Promise<BusReader> {
    const logger = pino({ level: 'silent' });
    const connection = await BusConnection.connect({ natsUrl, name: 'detectors-test-reader', logger });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: prefix }), logger);
    return new BusReader(connection, new SubjectNames(prefix));
  }

  async events<S extends Subject>(subject: S): Promise<Array<CloudEvent<DataOf<S>>>> {
    const stream = streamForSubject(subject, this.subjects.prefix);
    const { state } = await this.connection.jsm.streams.info(stream);
    const events: Array<CloudEvent<DataOf<S>>> = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const msg = await this.connection.jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (msg && msg.subject === this.subjects.wire(subject)) events.push(msg.json<CloudEvent<DataOf<S>>>());
    }
    return events;
  }

  async waitForEvents<S extends Subject>(subject: S, count: number, filter: (event: CloudEvent<DataOf<S>>) => boolean = () => true) {
    let events: Array<CloudEvent<DataOf<S>>> = [];
    await waitFor(async () => (events = (await this.events(subject)).filter(filter)).length >= count, {
      message: () => `${count} ${subject} events; saw ${events.length}`,
    });
    return events;
  }

  async close(): Promise<void> {
    for (const stream of streamDefinitions({ subjectPrefix: this.subjects.prefix }))
      await this.connection.jsm.streams.delete(stream.name).catch(() => undefined);
    await this.connection.drain();
  }
}
