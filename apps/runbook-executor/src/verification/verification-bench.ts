import { fork, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { DataOf, streamDefinitions, streamForSubject } from '@firebreak/contracts';
import { BusConnection, EventPublisher, SubjectNames } from '@firebreak/bus';
import { createService } from '@firebreak/platform';
import { resolveDatabaseUrl, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { AppModule } from '../app.module';

/**
 * What the executor (and its Postgres backends) spend per alerts.state.changed of an alert that never had a run.
 * Each dist given runs as a child process; the events are published from this process, so the child's CPU is
 * consumption alone. Rounds alternate the dists.
 *
 *   NODE_PATH=$PWD/node_modules node_modules/.bin/node dist/apps/runbook-executor/src/verification/verification-bench.js \
 *     --dists /tmp/verify-base-dist,dist [--events 10000] [--rounds 3]
 * (NODE_PATH lets a dist copied out of the repository find its dependencies.)
 */
const CONSUMER = 'runbook-executor-alerts-state-changed';
const TICK_US = 10_000; // /proc stat times are in clock ticks of 10 ms

type Totals = { cpuUs: number; pgCpuUs: number; statements: number; transactions: number };

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
}

function procCpuUs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0;
  }
}

/** The child: the executor of one dist, counting its statements and its own and its backends' CPU on request. */
async function child(): Promise<void> {
  const id = uniqueTestId('verifybench');
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-verifybench-'));
  const url = new URL(await resolveDatabaseUrl());
  url.searchParams.set('application_name', id);
  // eslint-disable-next-line no-restricted-syntax -- a bench configures the service it starts as a deployment does (see testing/bench-executor)
  Object.assign(process.env, {
    NATS_URL: await resolveNatsUrl(),
    DATABASE_URL: url.toString(),
    FIREBREAK_SUBJECT_PREFIX: id,
    FIREBREAK_DB_SCHEMA: id,
    FIREBREAK_RUNBOOKS_DIR: dir,
    FIREBREAK_CONFIG_DIR: dir,
    // Background polls would be counted as the consumer's: far apart during a measurement.
    FIREBREAK_WORKER_POLL_MS: '60000',
    FIREBREAK_TIMER_INTERVAL_MS: '60000',
    FIREBREAK_RUNBOOK_REFRESH_MS: '600000',
    LOG_LEVEL: 'silent',
  });
  const app = await createService(AppModule, { app: 'runbook-executor', description: 'verification bench' });
  await app.init();
  const dataSource = app.get(DataSource);
  const counts = { statements: 0, transactions: 0 };
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, queryRunner) => {
    if (query === 'COMMIT') counts.transactions++;
    else if (query !== 'START TRANSACTION' && query !== 'BEGIN') counts.statements++;
    original(query, parameters, queryRunner);
  };
  const backendsCpu = async () => {
    const rows: Array<{ pid: number }> = await dataSource.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [id]);
    return rows.reduce((sum, row) => sum + procCpuUs(row.pid), 0);
  };
  const snapshot = async (): Promise<Totals> => {
    const pgCpuUs = await backendsCpu();
    const cpu = process.cpuUsage();
    return { cpuUs: cpu.user + cpu.system, pgCpuUs, statements: counts.statements, transactions: counts.transactions };
  };
  let start: Totals | undefined;
  process.on('message', (message: string) => {
    void (async () => {
      if (message === 'start') {
        start = await snapshot();
        process.send!({ kind: 'started' });
      } else if (message === 'stop') {
        const end = await snapshot();
        const used = Object.fromEntries(Object.entries(end).map(([key, value]) => [key, value - start![key as keyof Totals]]));
        const connection = app.get(BusConnection);
        for (const stream of streamDefinitions({ subjectPrefix: id }))
          await connection.jsm.streams.delete(stream.name).catch(() => undefined);
        await app.close();
        const admin = new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() });
        await admin.initialize();
        await admin.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
        await admin.destroy();
        rmSync(dir, { recursive: true, force: true });
        process.send!({ kind: 'stopped', used }, () => process.exit(0));
      }
    })();
  });
  process.send!({ kind: 'ready', id });
}

function next(proc: ChildProcess, kind: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: Record<string, unknown>) => {
      if (message.kind !== kind) return;
      proc.off('message', onMessage);
      resolve(message);
    };
    proc.on('message', onMessage);
    proc.once('exit', (code) => reject(new Error(`bench child exited with ${code} before "${kind}"`)));
  });
}

async function publishUnrelated(publisher: EventPublisher, count: number): Promise<void> {
  const at = new Date().toISOString();
  for (let sent = 0; sent < count; sent += 500) {
    const items = Array.from({ length: Math.min(500, count - sent) }, (_, i) => {
      const data: DataOf<'alerts.state.changed'> = {
        fingerprint: randomBytes(8).toString('hex'),
        alertname: 'BenchAlert',
        severity: 'warning',
        from: (sent + i) % 2 ? 'firing' : null,
        to: (sent + i) % 2 ? 'resolved' : 'firing',
        at,
      };
      return { subject: 'alerts.state.changed' as const, data };
    });
    await publisher.publishMany(items);
  }
}

async function settled(connection: BusConnection, prefix: string): Promise<void> {
  const stream = streamForSubject('alerts.state.changed', prefix);
  const { state } = await connection.jsm.streams.info(stream);
  for (;;) {
    const info = await connection.jsm.consumers.info(stream, CONSUMER).catch(() => undefined);
    if (info && info.ack_floor.stream_seq >= state.last_seq && info.num_ack_pending === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function measure(dist: string, events: number, connection: BusConnection): Promise<Totals & { seconds: number }> {
  const proc = fork(join(dist, 'apps/runbook-executor/src/verification/verification-bench.js'), ['--child']);
  const { id } = (await next(proc, 'ready')) as { id: string };
  const publisher = new EventPublisher(connection, { source: 'bench', subjects: new SubjectNames(id), publishTimeoutMs: 10_000 });
  await publishUnrelated(publisher, 500);
  await settled(connection, id);
  proc.send('start');
  await next(proc, 'started');
  const began = process.hrtime.bigint();
  await publishUnrelated(publisher, events);
  await settled(connection, id);
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  proc.send('stop');
  const { used } = (await next(proc, 'stopped')) as { used: Totals };
  return { ...used, seconds };
}

async function main(): Promise<void> {
  const dists = argument('dists', '').split(',').filter(Boolean);
  const events = Number(argument('events', '10000'));
  const rounds = Number(argument('rounds', '3'));
  const connection = await BusConnection.connect({
    natsUrl: await resolveNatsUrl(),
    name: 'verification-bench',
    logger: pino({ level: 'silent' }),
  });
  const rows: Array<Record<string, string | number>> = [];
  for (let round = 1; round <= rounds; round++) {
    for (const dist of round % 2 ? dists : [...dists].reverse()) {
      const used = await measure(dist, events, connection);
      rows.push({
        round,
        dist,
        'executor µs/event': Math.round(used.cpuUs / events),
        'postgres µs/event': Math.round(used.pgCpuUs / events),
        'statements/event': Number((used.statements / events).toFixed(3)),
        'transactions/event': Number((used.transactions / events).toFixed(3)),
        'events/s': Math.round(events / used.seconds),
      });
      console.table(rows.slice(-1));
    }
  }
  console.table(rows);
  await connection.nc.close();
}

void (process.argv.includes('--child') ? child() : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
