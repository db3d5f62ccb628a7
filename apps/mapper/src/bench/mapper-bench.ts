import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { streamForSubject } from '@firebreak/contracts';
import { processCpuUs, startBenchChild, uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, startMapper, useInstallation } from '../testing/mapper-harness';
import { Workload, workloadEvents } from './workload';

export interface MapperBenchOptions {
  workload: Workload;
  /** alerts.received events published. */
  events: number;
}

export interface MapperBenchResult {
  workload: Workload;
  events: number;
  notifies: number;
  elapsedMs: number;
  alertsPerSec: number;
  /** The mapper's CPU (this process) per alerts.received event. */
  cpuUsPerEvent: number;
  /** Of that CPU, the share spent in the kernel (socket writes and reads). */
  systemCpuShare: number;
  /** CPU of the Postgres backends serving the mapper per event (a backend closed before the end is missed). */
  postgresCpuUsPerEvent: number;
  /** Statements sent to Postgres (BEGIN and COMMIT included) per event. */
  statementsPerEvent: number;
  /** The same, counting each CTE of a combined write statement as one (what Postgres parses and plans). */
  statementPartsPerEvent: number;
  /** Bytes of SQL text and parameters sent to Postgres per event (about what the sockets carry). */
  bytesSentPerEvent: number;
  /** WAL Postgres wrote per event meanwhile (the whole server's: other work on it counts too). */
  walBytesPerEvent: number;
  /** Per kind of statement: count and Postgres CPU, per event. */
  perStatement: StatementBreakdown;
}

/** CPU time of a process so far, in ns (Linux: /proc/<pid>/schedstat, exact), or null. */
function processCpuNs(pid: number): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/** What a statement is, for the breakdown: its verb and table (each CTE's, for a combined write). */
function statementKind(sql: string): string {
  const plain = sql.replace(/"[^"]*"\./g, '').replace(/\s+/g, ' ');
  const head = (text: string) => text.match(/^(\w+)( \w+)?( \w+)?/)?.[0] ?? text.slice(0, 20);
  const ctes = [...plain.matchAll(/\bw\d+ AS \((.{0,40})/g)].map((match) => head(match[1]));
  return ctes.length > 0 ? `WITH ${ctes.join(' + ')}` : head(plain);
}

/** Per kind of statement: how many were sent and the CPU their backend spent running them. */
export type StatementBreakdown = Record<string, { count: number; postgresCpuUs: number }>;

/**
 * Counts every statement a pg client sends (typeorm's pool is made of them) and the CPU the
 * Postgres backends serving them used meanwhile (each backend read when first seen and at the end).
 */
function watchPostgres() {
  const original = Client.prototype.query;
  const backends = new Map<number, { first: number; last: number }>();
  let statements = 0;
  let parts = 0;
  let bytes = 0;
  const breakdown: StatementBreakdown = {};
  const read = (pid: number) => {
    const cpu = processCpuUs(pid);
    if (cpu === null) return;
    const seen = backends.get(pid);
    if (seen) seen.last = cpu;
    else backends.set(pid, { first: cpu, last: cpu });
  };
  Client.prototype.query = function (this: Client & { processID?: number }, ...args: unknown[]) {
    statements++;
    // A write batch's statement carries its writes as CTEs (`WITH w0 AS (...), w1 AS (...)`): each is parsed and planned.
    parts += typeof args[0] === 'string' ? Math.max(1, args[0].match(/\bw\d+ AS \(/g)?.length ?? 0) : 1;
    bytes += sentBytes(args[0]) + (Array.isArray(args[1]) ? sentBytes(args[1]) : 0);
    if (this.processID && !backends.has(this.processID)) read(this.processID);
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    // typeorm sends one statement at a time on a connection: its backend's CPU meanwhile is that statement's.
    const pid = this.processID;
    const before = pid ? processCpuNs(pid) : null;
    if (pid && before !== null && typeof args[0] === 'string' && result instanceof Promise) {
      const kind = (breakdown[statementKind(args[0])] ??= { count: 0, postgresCpuUs: 0 });
      kind.count++;
      const account = () => (kind.postgresCpuUs += ((processCpuNs(pid) ?? before) - before) / 1000);
      result.then(account, account);
    }
    return result;
  } as typeof Client.prototype.query;
  return {
    statements: () => statements,
    parts: () => parts,
    bytes: () => bytes,
    breakdown: () => breakdown,
    /** Stops counting; the backends' CPU since first seen, in µs. */
    stop: (): number => {
      Client.prototype.query = original;
      for (const pid of backends.keys()) read(pid);
      return [...backends.values()].reduce((sum, { first, last }) => sum + last - first, 0);
    },
  };
}

/** About what a statement's text or parameters weigh on the wire. */
function sentBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + sentBytes(item), 0);
  if (value && typeof value === 'object' && 'text' in value) return sentBytes((value as { text: unknown }).text);
  return 8;
}

async function walLsn(app: NestFastifyApplication): Promise<string> {
  const [{ lsn }] = await app.get(DataSource).query(`SELECT pg_current_wal_lsn()::text AS lsn`);
  return lsn;
}

async function walBytesSince(app: NestFastifyApplication, lsn: string): Promise<number> {
  const [{ bytes }] = await app.get(DataSource).query(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::float8 AS bytes`, [lsn]);
  return bytes;
}

async function notifiesOnStream(bus: BusProbe): Promise<number> {
  const wire = bus.subjects.wire('alerts.notify');
  const info = await bus.connection.jsm.streams.info(streamForSubject('alerts.notify', bus.subjects.prefix), { subjects_filter: wire });
  return info.state.subjects?.[wire] ?? 0;
}

/** Starts the publisher process and resolves once it is connected and about to publish. */
function startPublisher(id: string, workload: Workload, events: number, now: number) {
  return startBenchChild(join(__dirname, 'publish-backlog.js'), [id, workload, String(events), String(now)]);
}

/**
 * The mapper (in this process, started and idle) taking a workload of alerts.received published
 * straight to JetStream by another process as fast as it acknowledges them; timed from the first
 * publish until every expected alerts.notify is on the stream.
 */
export async function benchMapper(options: MapperBenchOptions): Promise<MapperBenchResult> {
  const id = uniqueTestId(`mapper_bench_${options.workload}`);
  const bus = await useInstallation(id, {
    tokens: 'viewer-token-1:viewer:vera',
    config: { 'mappings.yaml': 'alertnames:\n  BenchDown: service_unavailable\n', 'escalation.yaml': 'escalation:\n  critical: 5m\n' },
  });
  let app: NestFastifyApplication | undefined;
  try {
    app = await startMapper();
    const now = Date.now();
    const { inputs, notifies } = workloadEvents(options.workload, options.events, id, now);
    const publisher = await startPublisher(id, options.workload, options.events, now);
    const wal = await walLsn(app);
    const postgres = watchPostgres();
    const cpu = process.cpuUsage();
    const started = performance.now();
    let seen = 0;
    while ((seen = await notifiesOnStream(bus)) < notifies) {
      if (performance.now() - started > 300_000) throw new Error(`${seen} of ${notifies} alerts.notify after 300 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const postgresCpuUs = postgres.stop();
    const walBytes = await walBytesSince(app, wal);
    await publisher.exited;
    await checkHandled(app, id, inputs.length);
    return {
      workload: options.workload,
      events: inputs.length,
      notifies: seen,
      elapsedMs: Math.round(elapsedMs),
      alertsPerSec: Math.round((inputs.length / elapsedMs) * 1000),
      cpuUsPerEvent: Math.round((used.user + used.system) / inputs.length),
      systemCpuShare: Math.round((used.system / (used.user + used.system)) * 100) / 100,
      postgresCpuUsPerEvent: Math.round(postgresCpuUs / inputs.length),
      statementsPerEvent: Math.round((postgres.statements() / inputs.length) * 100) / 100,
      statementPartsPerEvent: Math.round((postgres.parts() / inputs.length) * 100) / 100,
      bytesSentPerEvent: Math.round(postgres.bytes() / inputs.length),
      walBytesPerEvent: Math.round(walBytes / inputs.length),
      perStatement: perEvent(postgres.breakdown(), inputs.length),
    };
  } finally {
    await closeInstallation(id, app, bus);
  }
}

function perEvent(breakdown: StatementBreakdown, events: number): StatementBreakdown {
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return Object.fromEntries(
    Object.entries(breakdown)
      .sort(([, a], [, b]) => b.postgresCpuUs - a.postgresCpuUs)
      .map(([kind, { count, postgresCpuUs }]) => [kind, { count: round(count / events), postgresCpuUs: round(postgresCpuUs / events) }]),
  );
}

async function checkHandled(app: NestFastifyApplication, schema: string, events: number): Promise<void> {
  const db = app.get(DataSource);
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM "${schema}".inbox WHERE consumer = 'mapper-alerts-received'`);
  if (n !== events) throw new Error(`the mapper claimed ${n} of ${events} events`);
}
