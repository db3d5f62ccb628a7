import pino from 'pino';
import { DataSource } from 'typeorm';
import { streamDefinitions } from '@firebreak/contracts';
import { resolveDatabaseUrl, resolveNatsUrl, TcpProxy, uniqueTestId, waitFor, sampleAlertReceived } from '@firebreak/testing';
import { BusConnection } from './connection';
import { EventConsumer } from './consumer';
import { messagingTablesUpSql, outboxRetriesUpSql } from './outbox/messaging-tables';
import { TransactionalMessaging } from './outbox/transactional-messaging';
import { EventPublisher } from './publisher';
import { provisionStreams } from './streams';
import { SubjectNames } from './subjects';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

const alertReceived = (instance: string) => sampleAlertReceived({ fingerprint: 'abcdefabcdefabcd', labels: { alertname: 'X', instance } });

describe('a consumer while Postgres is down', () => {
  const schema = uniqueTestId('outage');
  const subjects = new SubjectNames(schema);
  let proxy: TcpProxy;
  let db: DataSource;
  let admin: DataSource;
  let connection: BusConnection;
  let publisher: EventPublisher;
  let consumer: EventConsumer<'alerts.received'>;

  beforeAll(async () => {
    const url = new URL(await resolveDatabaseUrl());
    admin = new DataSource({ type: 'postgres', url: url.toString() });
    await admin.initialize();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    for (const sql of [...messagingTablesUpSql(schema), ...outboxRetriesUpSql(schema)]) await admin.query(sql);
    await admin.query(`CREATE TABLE "${schema}".handled (instance text PRIMARY KEY)`);
    proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.start();
    url.host = `127.0.0.1:${proxy.port}`;
    db = new DataSource({ type: 'postgres', url: url.toString(), schema, extra: { connectionTimeoutMillis: 1000 } });
    await db.initialize();
    connection = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'outage-test', logger });
    await provisionStreams(connection.jsm, streamDefinitions({ subjectPrefix: subjects.prefix }), logger);
    publisher = new EventPublisher(connection, { source: 'mapper', subjects, publishTimeoutMs: 5000 });
    const messaging = new TransactionalMessaging(db, publisher, logger);
    consumer = new EventConsumer(
      connection,
      publisher,
      subjects,
      {
        subject: 'alerts.received',
        durable: 'outage',
        retry: { maxDeliver: 3, backoffMs: [50, 100] },
        handler: async (event) => {
          await messaging.run(
            async (tx) => {
              await tx.manager.query(`INSERT INTO "${schema}".handled (instance) VALUES ($1)`, [event.data.alert.labels.instance]);
            },
            { consumer: 'outage', eventId: event.id },
          );
        },
      },
      logger,
    );
    await consumer.start();
  });

  afterAll(async () => {
    await consumer.drain();
    publisher.close();
    for (const stream of streamDefinitions({ subjectPrefix: subjects.prefix }))
      await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    await connection.drain();
    await db.destroy().catch(() => undefined);
    await proxy.stop();
    await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
    await admin.destroy();
  });

  it('keeps the messages through the outage, dead-letters none, and handles them all when Postgres returns', async () => {
    await proxy.cut();
    const published = await publisher.publishMany(
      ['a', 'b', 'c', 'd', 'e'].map((instance) => ({ subject: 'alerts.received' as const, data: alertReceived(instance) })),
    );
    const stream = streamDefinitions({ subjectPrefix: subjects.prefix }).find((entry) => entry.name.startsWith('FIREBREAK_ALERTS'))!.name;
    // 25 deliveries of 5 messages: on average each failed more often than maxDeliver (3) allows a broken handler.
    await waitFor(async () => (await connection.jsm.consumers.info(stream, 'outage')).delivered.consumer_seq >= 25, {
      timeoutMs: 20_000,
      message: 'too few deliveries during the outage',
    });
    const dlq = streamDefinitions({ subjectPrefix: subjects.prefix }).find((entry) => entry.name.startsWith('FIREBREAK_DLQ'))!.name;
    expect((await connection.jsm.streams.info(dlq)).state.messages).toBe(0);

    await proxy.restore();
    await waitFor(async () => Number((await admin.query(`SELECT count(*) AS n FROM "${schema}".handled`))[0].n) === 5, {
      timeoutMs: 30_000,
      message: 'not all handled after Postgres returned',
    });
    expect((await admin.query(`SELECT count(*) AS n FROM "${schema}".inbox`))[0].n).toBe(String(published.length));
    expect((await connection.jsm.streams.info(dlq)).state.messages).toBe(0);
  });
});
