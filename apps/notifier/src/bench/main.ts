import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { FakeWebhook, resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { DeliveryService } from '../delivery/delivery.service';
import { alertNotify, fingerprint, NotifierHarness } from '../testing/notifier-harness';

// `node …/apps/notifier/src/bench/main.js [alerts] [backlog] [concurrency]`: the notifier alone, in this
// process, sending to a local webhook. `stream`: alerts.notify published straight to JetStream as fast as
// the publisher goes, timed from the first publish to the last webhook received. `backlog`: that many
// deliveries recorded while the channel is paused (a storm the notifier is behind on), timed from the
// unpause to the last received. Prints one JSON line: deliveries/s, this process's CPU µs and the
// notifier's SQL statements per delivery (intake included), and its Postgres backends' CPU µs per delivery (a local Postgres).

let statements = 0;
const query = PostgresQueryRunner.prototype.query;
PostgresQueryRunner.prototype.query = function (this: PostgresQueryRunner, ...args: Parameters<typeof query>) {
  statements++;
  return query.apply(this, args);
} as typeof query;

interface Figures {
  deliveries: number;
  seconds: number;
  perSecond: number;
  cpuUsPerDelivery: number;
  statementsPerDelivery: number;
  /** CPU of the notifier's Postgres backends (this host's Postgres only; 0 when it is elsewhere). */
  postgresCpuUsPerDelivery: number;
}

const APPLICATION_NAME = 'firebreak-notifier-bench';

/** CPU µs each of the notifier's Postgres backends has used so far, read from /proc (a local Postgres). */
async function backendCpu(db: DataSource): Promise<Map<number, number>> {
  const rows: Array<{ pid: number }> = await db.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [APPLICATION_NAME]);
  const used = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields 14 and 15 (utime, stime) in clock ticks of 10 ms; the command name (field 2) may hold spaces.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      used.set(pid, (Number(fields[11]) + Number(fields[12])) * 10_000);
    } catch {
      // Not on this host, or gone.
    }
  }
  return used;
}

async function main(): Promise<void> {
  const alerts = Number(process.argv[2] ?? 5_000);
  const backlog = Number(process.argv[3] ?? 10_000);
  const concurrency = Number(process.argv[4] ?? 64);
  const webhook = new FakeWebhook();
  await webhook.start();
  const id = uniqueTestId('notifier-bench');
  const h = new NotifierHarness(
    id,
    id,
    NotifierHarness.writeConfig(`
channels:
  - { name: bench, type: webhook, url: "${webhook.url}/hook", concurrency: ${concurrency}, rateLimit: { perMinute: 100000, burst: 10000 } }
routes:
  - { matchers: [], channels: [bench] }
`),
  );
  const database = new URL(await resolveDatabaseUrl());
  database.searchParams.set('application_name', APPLICATION_NAME);
  await h.start(AppModule, await h.useEnvironment({ LOG_LEVEL: 'silent', DATABASE_URL: database.toString() }));
  try {
    const db = h.app.get(DataSource);
    const received = (count: number) =>
      waitFor(() => webhook.requests.length >= count, { timeoutMs: 600_000, intervalMs: 2, message: 'webhook deliveries' });
    const publish = async (count: number) => {
      for (let start = 0; start < count; start += 500)
        await Promise.all(
          Array.from({ length: Math.min(500, count - start) }, () => {
            const data = alertNotify('firing', fingerprint(), 'critical');
            return h.publisher.publish('alerts.notify', data, { id: randomUUID(), subject: data.alert.fingerprint });
          }),
        );
    };
    // Warm-up: the rate bucket row exists afterwards and the code paths are compiled.
    await publish(200);
    await received(200);
    webhook.reset();

    const measure = async (count: number, run: () => Promise<void>): Promise<Figures> => {
      const [cpu, started, counted, pgBefore] = [process.cpuUsage(), process.hrtime.bigint(), statements, await backendCpu(db)];
      await run();
      await received(count);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      // Backends opened meanwhile count from 0; one closed meanwhile is missed (the pool keeps them while busy).
      const pgUsed = [...(await backendCpu(db))].reduce((sum, [pid, us]) => sum + us - (pgBefore.get(pid) ?? 0), 0);
      return {
        deliveries: count,
        seconds: round(seconds),
        perSecond: Math.round(count / seconds),
        cpuUsPerDelivery: Math.round((used.user + used.system) / count),
        statementsPerDelivery: round((statements - counted) / count),
        postgresCpuUsPerDelivery: Math.round(pgUsed / count),
      };
    };
    const stream = await measure(alerts, () => publish(alerts));
    webhook.reset();

    const buckets = `"${h.schema}".rate_buckets`;
    await db.query(`UPDATE ${buckets} SET paused_until = now() + interval '1 hour'`);
    await publish(backlog);
    await waitFor(
      async () => Number((await db.query(`SELECT count(*) AS n FROM "${h.schema}".deliveries WHERE status = 'pending'`))[0].n) >= backlog,
      { timeoutMs: 600_000, intervalMs: 50 },
    );
    const drained = await measure(backlog, async () => {
      await db.query(`UPDATE ${buckets} SET paused_until = NULL`);
      h.app.get(DeliveryService).wake(['bench']);
    });
    process.stdout.write(`${JSON.stringify({ concurrency, stream, backlog: drained })}\n`);
  } finally {
    await h.stop(await resolveDatabaseUrl());
    await webhook.stop();
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`notifier bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
