import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { stringify } from 'yaml';
import { DataOf, streamDefinitions } from '@firebreak/contracts';
import { BusConnection, EventPublisher, TransactionalMessaging } from '@firebreak/bus';
import { CONFIG, table } from '@firebreak/platform';
import { resolveDatabaseUrl, uniqueTestId, watchPostgres } from '@firebreak/testing';
import type { ExecutorConfig } from '../service';
import { startBenchExecutor } from '../testing/bench-executor';

export interface PersistedBenchOptions {
  executions: number;
  /** Base URL of a local HTTP server answering GET with 2xx (e.g. FakeHttpTarget). */
  targetUrl: string;
  warmup?: number;
  /** FIREBREAK_WORKER_CONCURRENCY for the run; default the service's own default. */
  workerConcurrency?: number;
  timeoutMs?: number;
}

/** The events one successful 3-step run publishes: started, running and succeeded per step, succeeded. */
const EVENTS_PER_RUN = 1 + 3 * 2 + 1;

function benchRunbook(targetUrl: string) {
  const base = targetUrl.replace(/\/$/, '');
  const step = (id: string) => ({
    id,
    uses: 'http',
    retries: { max: 0 },
    with: { url: `${base}/bench/${id}?execution={{ execution.id }}&instance={{ alert.labels.instance }}` },
  });
  // Loop protection counts runs per alert; every request here is for a different alert.
  return { id: 'bench', title: 'Executor benchmark', severity: 'info', steps: [step('first'), step('second'), step('third')] };
}

/** Counts what the executor sends to Postgres: every statement, and transactions by their COMMIT. */
function countQueries(dataSource: DataSource) {
  const counts = { statements: 0, transactions: 0 };
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, queryRunner) => {
    if (query === 'COMMIT') counts.transactions++;
    else if (query !== 'START TRANSACTION') counts.statements++;
    original(query, parameters, queryRunner);
  };
  return counts;
}

/**
 * Watches the stream's execution events (core subscription on the prefix, as the test harness does). A core
 * subscription also sees a publish JetStream then dropped as a duplicate (same Nats-Msg-Id, e.g. the relay's sweep
 * publishing a row again): those are counted apart by event id, so only a real second event fails the bench.
 */
function watchEvents(app: INestApplication, prefix: string) {
  const byExecution = new Map<string, string[]>();
  const ids = new Set<string>();
  let republished = 0;
  let finished = 0;
  let onFinished: (() => void) | undefined;
  let target = 0;
  const subscription = app.get(BusConnection).nc.subscribe(`${prefix}.runbooks.execution.>`, {
    callback: (_error, msg) => {
      const event = msg.json<{ id: string; type: string; data: { executionId: string; stepId?: string; status?: string } }>();
      if (ids.has(event.id)) return void republished++;
      ids.add(event.id);
      const name = msg.subject.slice(prefix.length + 'runbooks.execution.'.length + 1);
      const label = name === 'step' ? `step:${event.data.stepId}:${event.data.status}` : name;
      const seen = byExecution.get(event.data.executionId) ?? [];
      seen.push(label);
      byExecution.set(event.data.executionId, seen);
      if (name === 'succeeded' || name === 'failed' || name === 'cancelled') {
        finished++;
        if (finished >= target) onFinished?.();
      }
    },
  });
  return {
    byExecution,
    republished: () => republished,
    untilFinished(count: number, timeoutMs: number): Promise<void> {
      target = count;
      return new Promise((resolve, reject) => {
        if (finished >= target) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${finished} of ${target} executions finished in time`)), timeoutMs);
        onFinished = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
    stop: () => subscription.unsubscribe(),
  };
}

async function request(publisher: EventPublisher, batch: string, index: number): Promise<void> {
  const requestId = `${batch}-${index}`;
  const data: DataOf<'runbooks.requested'> = {
    requestId,
    runbookId: 'bench',
    mode: 'live',
    trigger: 'alert',
    fingerprint: randomBytes(8).toString('hex'),
    context: { alert_name: 'BenchAlert', alert_labels: { instance: `bench-${index}` } },
    params: {},
  };
  await publisher.publish('runbooks.requested', data, { id: `evt-${requestId}` });
}

/**
 * The executor's real path, in one process: `runbooks.requested` published to JetStream, the
 * executor's consumer records each execution in Postgres, its worker claims and runs the 3 http
 * steps against a local target, and the `runbooks.execution.*` events reach the stream. Timed from
 * the first publish to the last `runbooks.execution.succeeded` seen; every run's events are checked.
 */
export async function benchPersisted(options: PersistedBenchOptions) {
  const id = uniqueTestId('rbbench');
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-rbbench-'));
  writeFileSync(join(dir, 'bench.yaml'), stringify(benchRunbook(options.targetUrl)));
  const app = await startBenchExecutor({
    id,
    runbooksDir: dir,
    httpAllow: new URL(options.targetUrl).host,
    workerConcurrency: options.workerConcurrency,
  });
  const dataSource = app.get(DataSource);
  const publisher = app.get(EventPublisher);
  const events = watchEvents(app, id);
  try {
    const timeoutMs = options.timeoutMs ?? 600_000;
    const warmup = options.warmup ?? Math.min(100, options.executions);
    await Promise.all(Array.from({ length: warmup }, (_, i) => request(publisher, 'warmup', i)));
    await events.untilFinished(warmup, timeoutMs);

    const counts = countQueries(dataSource);
    const postgres = watchPostgres();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: options.executions }, (_, i) => request(publisher, 'run', i)));
    await events.untilFinished(warmup + options.executions, timeoutMs);
    const elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const postgresCpuUs = postgres.stop();
    const statements = counts.statements;
    const transactions = counts.transactions;

    const expected = ['started', 'step:first:running', 'step:first:succeeded', 'step:second:running'].concat(
      'step:second:succeeded',
      'step:third:running',
      'step:third:succeeded',
      'succeeded',
    );
    const wrong = [...events.byExecution.values()].filter((seen) => seen.join() !== expected.join());
    const [{ n: succeeded }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM ${table(id, 'executions')} WHERE status = 'succeeded'`,
    );
    const all = warmup + options.executions;
    if (wrong.length || events.byExecution.size !== all || succeeded !== all)
      throw new Error(
        `bench runs were not all right: ${succeeded}/${all} succeeded rows, ${events.byExecution.size} executions seen, ${wrong.length} with events other than ${EVENTS_PER_RUN} in order (e.g. ${wrong[0]?.join()})`,
      );
    // Every outbox row deleted once published (step writes delete the rows of the write before, the closing write the
    // last step's, the outbox's own delete the rest): a row left would be published again by the relay.
    // The last event can be seen here before its publisher has its ack and asks for the delete: a few looks.
    let leftInOutbox = 0;
    for (let look = 0; look < 50; look++) {
      await app.get(TransactionalMessaging).deletesIdle();
      [{ n: leftInOutbox }] = await dataSource.query(`SELECT count(*)::int AS n FROM ${table(id, 'outbox')}`);
      if (leftInOutbox === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (leftInOutbox) throw new Error(`${leftInOutbox} outbox rows left after every run ended and its events were published`);
    // Where the time went: how fast requests were recorded, and how long a claimed run took.
    const [phases] = await dataSource.query(
      `SELECT extract(epoch FROM max(created_at) - min(created_at)) * 1000 AS recording_ms,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000) AS run_p50_ms,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000) AS run_p99_ms
         FROM ${table(id, 'executions')} WHERE request_id LIKE 'run-%'`,
    );
    const per = (value: number) => Math.round((value / options.executions) * 10) / 10;
    return {
      executions: options.executions,
      executionsPerSec: Math.round((options.executions / elapsedMs) * 1000),
      elapsedMs: Math.round(elapsedMs),
      transactionsPerExecution: per(transactions),
      statementsPerExecution: per(statements),
      // Each statement, START TRANSACTION and COMMIT is a round trip to Postgres: a step's write outside a transaction is one.
      roundTripsPerExecution: per(statements + 2 * transactions),
      recordingMs: Math.round(phases.recording_ms),
      runMs: { p50: Math.round(phases.run_p50_ms), p99: Math.round(phases.run_p99_ms) },
      cpuUsPerExecution: Math.round((used.user + used.system) / options.executions),
      // The Postgres backends' CPU while they served this process (not counted in cpuUsPerExecution).
      postgresCpuUsPerExecution: Math.round(postgresCpuUs / options.executions),
      republishedEvents: events.republished(),
      workerConcurrency: app.get<ExecutorConfig>(CONFIG).FIREBREAK_WORKER_CONCURRENCY,
    };
  } finally {
    events.stop();
    const connection = app.get(BusConnection);
    for (const stream of streamDefinitions({ subjectPrefix: id })) await connection.jsm.streams.delete(stream.name).catch(() => undefined);
    await app.close();
    const ds = new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() });
    await ds.initialize();
    await ds.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
