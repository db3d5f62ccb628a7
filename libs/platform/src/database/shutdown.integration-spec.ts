import { Controller, Module, Param, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import pino from 'pino';
import { BusConnection, TransactionalMessaging } from '@firebreak/bus';
import { streamDefinitions } from '@firebreak/contracts';
import { freePort, resolveDatabaseUrl, resolveNatsUrl, sampleAlertReceived, uniqueTestId, waitFor } from '@firebreak/testing';
import { Public } from '../auth/api-token.guard';
import { createService } from '../http/bootstrap';
import { PlatformModule } from '../platform.module';
import { OutboxRetriesMigration } from './outbox-retries.migration';
import { ServiceTablesMigration } from './service-tables.migration';

// Advisory lock keys (any): a request's transaction waits on its own work gate; every outbox delete waits on the delete gate.
const WORK_GATES = { first: 91_001, second: 91_002 } as const;
const DELETE_GATE = 91_003;

class ShutdownTables1700000000000 extends ServiceTablesMigration {
  name = 'ShutdownTables1700000000000';
}

class ShutdownOutboxRetries1700000000001 extends OutboxRetriesMigration {
  name = 'ShutdownOutboxRetries1700000000001';
}

/** A request that stages one event in a transaction held open until the test lets its gate go. */
@Controller('gated')
class GatedController {
  constructor(private readonly messaging: TransactionalMessaging) {}

  @Public()
  @Post(':gate')
  async stage(@Param('gate') gate: keyof typeof WORK_GATES) {
    const event = await this.messaging.run(async (tx) => {
      await tx.manager.query('SELECT pg_advisory_xact_lock_shared($1)', [WORK_GATES[gate]]);
      return tx.stage('alerts.received', sampleAlertReceived({ fingerprint: gate === 'first' ? '1111111111111111' : '2222222222222222' }));
    });
    return { id: event.id };
  }
}

@Module({
  imports: [
    PlatformModule.forService({
      app: 'mapper',
      database: { migrations: [ShutdownTables1700000000000, ShutdownOutboxRetries1700000000001] },
    }),
  ],
  controllers: [GatedController],
})
class ShutdownTestModule {}

/**
 * Requests still in flight when shutdown starts finish after the outbox relay stopped: their rows' deletes
 * must still run before Postgres closes, or another replica's relay publishes those events again.
 */
describe('a service shutting down with requests in flight', () => {
  const schema = uniqueTestId('shutdown');
  let app: NestFastifyApplication;
  let observer: DataSource;

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.DATABASE_URL = await resolveDatabaseUrl();
    process.env.FIREBREAK_DB_SCHEMA = schema;
    process.env.FIREBREAK_SUBJECT_PREFIX = schema;
    process.env.FIREBREAK_HTTP_PORT = String(await freePort());
    process.env.LOG_LEVEL = 'silent';
    app = await createService(ShutdownTestModule, { app: 'mapper', description: 'test' });
    await app.listen(Number(process.env.FIREBREAK_HTTP_PORT), '127.0.0.1');
    observer = await new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() }).initialize();
    await observer.query(`CREATE OR REPLACE FUNCTION "${schema}".gate_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock_shared(${DELETE_GATE}); RETURN OLD; END $$`);
    await observer.query(
      `CREATE TRIGGER gate_delete BEFORE DELETE ON "${schema}".outbox FOR EACH ROW EXECUTE FUNCTION "${schema}".gate_delete()`,
    );
  });

  afterAll(async () => {
    await observer?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await observer?.destroy();
    const connection = await BusConnection.connect({
      natsUrl: await resolveNatsUrl(),
      name: 'shutdown-cleanup',
      logger: pino({ level: 'silent' }),
    });
    for (const stream of streamDefinitions({ subjectPrefix: schema }))
      await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    await connection.drain();
  });

  const waitingAt = async (gate: number): Promise<number> => {
    const [{ n }] = await observer.query(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objid = $1`,
      [gate],
    );
    return n;
  };

  // Before the shutdown below. Operators (and the bench's CPU breakdown) tell whose session is whose in pg_stat_activity.
  it('names its Postgres sessions after the service', async () => {
    const [{ name }] = await app.get(DataSource).query(`SELECT current_setting('application_name') AS name`);
    expect(name).toBe('firebreak-mapper');
  });

  it('deletes the outbox rows of requests that finished after the relay stopped before closing Postgres', async () => {
    const gates = observer.createQueryRunner();
    await gates.connect();
    for (const key of [...Object.values(WORK_GATES), DELETE_GATE]) await gates.query('SELECT pg_advisory_lock($1)', [key]);
    const url = `http://127.0.0.1:${process.env.FIREBREAK_HTTP_PORT}/gated`;
    // Connection: close, so the server has no idle keep-alive socket to wait for when it closes.
    const first = fetch(`${url}/first`, { method: 'POST', headers: { connection: 'close' } });
    const second = fetch(`${url}/second`, { method: 'POST', headers: { connection: 'close' } });
    await waitFor(async () => (await waitingAt(WORK_GATES.first)) === 1 && (await waitingAt(WORK_GATES.second)) === 1, {
      message: 'the requests never reached their work gates',
    });

    let closed = false;
    const closing = app.close().then(() => (closed = true));
    // The relay stops at once (nothing of its own in flight); the server keeps the two requests open.
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The first commits and publishes; its delete holds a connection at the delete gate.
    await gates.query('SELECT pg_advisory_unlock($1)', [WORK_GATES.first]);
    expect((await first).status).toBe(201);
    await waitFor(async () => (await waitingAt(DELETE_GATE)) === 1, { message: "the first request's delete never reached its gate" });
    // The second publishes while that delete runs: its delete waits in memory for the next statement.
    await gates.query('SELECT pg_advisory_unlock($1)', [WORK_GATES.second]);
    expect((await second).status).toBe(201);
    // Both responses are out, so shutdown goes on to close Postgres: it must wait for both deletes.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(closed).toBe(false);

    await gates.query('SELECT pg_advisory_unlock($1)', [DELETE_GATE]);
    await gates.release();
    await closing;
    expect(await observer.query(`SELECT id FROM "${schema}".outbox`)).toEqual([]);
  });
});
