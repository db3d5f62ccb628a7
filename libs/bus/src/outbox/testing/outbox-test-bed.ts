import pino from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { CloudEvent, streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { resolveDatabaseUrl, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { BusConnection } from '../../connection';
import { EventPublisher, PublisherOptions } from '../../publisher';
import { provisionStreams } from '../../streams';
import { SubjectNames } from '../../subjects';
import { messagingTablesUpSql, outboxRetriesUpSql } from '../messaging-tables';

export const silentLogger = pino({ level: 'silent' });

/** The state a handler changes beside its outbox rows: one counter per name. */
const STATE_TABLE = (schema: string) => `CREATE TABLE "${schema}".counter (name text PRIMARY KEY, n integer NOT NULL)`;

/** One message of the alerts stream, as a consumer would see it. */
export interface StreamEntry {
  seq: number;
  subject: string;
  msgId: string;
  /** The exact bytes published. */
  payload: string;
  event: CloudEvent<unknown>;
}

/**
 * What the outbox's integration specs stand on: a schema of their own holding the messaging tables, real
 * Postgres and JetStream behind a subject prefix of their own, and a look at what the alerts stream holds.
 */
export class OutboxTestBed {
  private constructor(
    readonly schema: string,
    readonly databaseUrl: string,
    readonly dataSource: DataSource,
    readonly connection: BusConnection,
    readonly subjects: SubjectNames,
    readonly publisherOptions: PublisherOptions,
    readonly publisher: EventPublisher,
  ) {}

  static async open(name: string, options: { poolMax?: number } = {}): Promise<OutboxTestBed> {
    const schema = uniqueTestId(name);
    const subjects = new SubjectNames(schema);
    const connection = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: `${name}-test`, logger: silentLogger });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), silentLogger);
    const publisherOptions: PublisherOptions = { source: 'ingress', subjects, publishTimeoutMs: 5000 };
    const databaseUrl = await resolveDatabaseUrl();
    const extra = options.poolMax ? { extra: { max: options.poolMax } } : {};
    const dataSource = await new DataSource({ type: 'postgres', url: databaseUrl, schema, ...extra }).initialize();
    await dataSource.query(`CREATE SCHEMA "${schema}"`);
    for (const sql of [...messagingTablesUpSql(schema), ...outboxRetriesUpSql(schema), STATE_TABLE(schema)]) {
      await dataSource.query(sql);
    }
    const publisher = new EventPublisher(connection, publisherOptions);
    return new OutboxTestBed(schema, databaseUrl, dataSource, connection, subjects, publisherOptions, publisher);
  }

  get alertsStream(): string {
    return streamForSubject('alerts.received', this.subjects.prefix);
  }

  /** Empties the outbox, the inbox, the counters and the alerts stream. */
  async reset(): Promise<void> {
    await this.dataSource.query(`TRUNCATE "${this.schema}".outbox, "${this.schema}".inbox, "${this.schema}".counter`);
    await this.connection.jsm.streams.purge(this.alertsStream);
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) {
      await this.dataSource.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
      await this.dataSource.destroy();
    }
    for (const stream of streamDefinitions({ subjectPrefix: this.subjects.prefix })) {
      await this.connection.jsm.streams.delete(stream.name).catch(() => undefined);
    }
    this.publisher.close();
    await this.connection.drain();
  }

  /** The state change a handler makes, in its transaction. */
  async bump(manager: EntityManager, name: string): Promise<void> {
    await manager.query(
      `INSERT INTO "${this.schema}".counter (name, n) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET n = counter.n + 1`,
      [name],
    );
  }

  async counter(name: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(`SELECT n FROM "${this.schema}".counter WHERE name = $1`, [name]);
    return rows[0]?.n ?? 0;
  }

  /** The ids the outbox holds, sorted. */
  async outboxIds(): Promise<string[]> {
    return (await this.dataSource.query(`SELECT id FROM "${this.schema}".outbox ORDER BY id`)).map((row: { id: string }) => row.id);
  }

  async streamMessageCount(): Promise<number> {
    return (await this.connection.jsm.streams.info(this.alertsStream)).state.messages;
  }

  /** Every message the alerts stream holds now, oldest first. */
  async streamEntries(): Promise<StreamEntry[]> {
    const { state } = await this.connection.jsm.streams.info(this.alertsStream);
    const entries: StreamEntry[] = [];
    for (let seq = state.first_seq; state.messages > 0 && seq <= state.last_seq; seq++) {
      const msg = await this.connection.jsm.streams.getMessage(this.alertsStream, { seq });
      if (!msg) continue;
      const payload = msg.string();
      entries.push({ seq, subject: msg.subject, msgId: msg.header.get('Nats-Msg-Id'), payload, event: JSON.parse(payload) });
    }
    return entries;
  }

  async streamEntriesFor(ids: Iterable<string>): Promise<StreamEntry[]> {
    const wanted = new Set(ids);
    return (await this.streamEntries()).filter((entry) => wanted.has(entry.event.id));
  }

  /** A publisher whose NATS connection is gone: what a process that dies right after the commit never gets to use. */
  async deadPublisher(): Promise<EventPublisher> {
    const doomed = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'outbox-test-doomed', logger: silentLogger });
    const dead = new EventPublisher(doomed, this.publisherOptions);
    await doomed.drain();
    return dead;
  }
}
