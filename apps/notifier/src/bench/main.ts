import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { resolveDatabaseUrl, uniqueTestId, waitFor } from '@firebreak/testing';
import { AppModule } from '../app.module';
import { DeliveryService } from '../delivery/delivery.service';
import { NotifierHarness } from '../testing/notifier-harness';
import { backendCpu, BENCH_APPLICATION_NAME } from './postgres-cpu';

// `node …/apps/notifier/src/bench/main.js [alerts] [backlog] [concurrency] [--statements] [--profile=<dir>]`: the notifier alone, in this
// process, sending to a local webhook. Another process (load-process.ts) publishes the alerts.notify and
// receives the webhooks, so this process's CPU is the notifier's own. `stream`: alerts.notify published
// straight to JetStream as fast as the publisher goes, timed from the first publish to the last webhook
// received. `backlog`: that many deliveries recorded while the channel is paused (a storm the notifier is
// behind on), timed from the unpause to the last received; `intake` is the recording of that backlog (the
// channel paused), timed from the first publish until every delivery is pending. Prints one JSON line: deliveries/s, this
// process's CPU µs, the SQL statements sent to Postgres (BEGIN and COMMIT included, intake included) and
// its Postgres backends' CPU µs (a local Postgres) per delivery. `--profile=<dir>` writes a CPU profile
// of each measured phase there (stream/intake/backlog.cpuprofile, for Chrome DevTools); `--statements` adds the
// statements per delivery by kind.

const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const flag = (name: string) => process.argv.find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))?.split('=')[1];
/** `--profile=<dir>`: a CPU profile of each measured phase written there. */
const profileDir = flag('profile');
/** `--statements`: the statements per delivery by their first words, in the output. */
const byKind = process.argv.includes('--statements');

let statements = 0;
/** Statements by their first words (`--statements`). */
const kinds = new Map<string, number>();
const query = Client.prototype.query;
Client.prototype.query = function (this: Client, ...args: unknown[]) {
  statements++;
  const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '?');
  const kind = text
    .replace(/\s+/g, ' ')
    .replace(/"[^"]*"\./g, '')
    .slice(0, 60);
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

interface Figures {
  deliveries: number;
  seconds: number;
  perSecond: number;
  cpuUsPerDelivery: number;
  /** The same less what the idle service would have used meanwhile (`idleCpuUsPerSecond`). */
  busyCpuUsPerDelivery: number;
  /** Of that CPU, the share spent in the kernel (socket reads and writes). */
  systemCpuShare: number;
  statementsPerDelivery: number;
  /** CPU of the notifier's Postgres backends (this host's Postgres only; 0 when it is elsewhere). */
  postgresCpuUsPerDelivery: number;
  statements?: Record<string, number>;
}

/** The forked load process, driven by request and answer messages. */
class Load {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<{ load: Load; url: string }> {
    const child = fork(join(__dirname, 'load-process.js'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [{ url }] = (await once(child, 'message')) as [{ url: string }];
    return { load: new Load(child), url };
  }

  /** Sends a command; resolves with the answer carrying `key`. */
  ask(command: Record<string, unknown>, key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (!(key in message)) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number) => reject(new Error(`load process exited ${code}`));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(command);
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

async function main(): Promise<void> {
  const alerts = Number(positional[0] ?? 5_000);
  const backlog = Number(positional[1] ?? 10_000);
  const concurrency = Number(positional[2] ?? 64);
  const { load, url } = await Load.start();
  const id = uniqueTestId('notifier-bench');
  const h = new NotifierHarness(
    id,
    id,
    NotifierHarness.writeConfig(`
channels:
  - { name: bench, type: webhook, url: "${url}/hook", concurrency: ${concurrency}, rateLimit: { perMinute: 100000, burst: 10000 } }
routes:
  - { matchers: [], channels: [bench] }
`),
  );
  const database = new URL(await resolveDatabaseUrl());
  database.searchParams.set('application_name', BENCH_APPLICATION_NAME);
  const natsUrl = await h.useEnvironment({ LOG_LEVEL: 'silent', DATABASE_URL: database.toString() });
  await h.start(AppModule, natsUrl);
  const publish = (count: number) => load.ask({ publish: count, natsUrl, prefix: id }, 'published');
  let total = 0;
  const deliver = async (count: number, published = true) => {
    total += count;
    await Promise.all([published ? publish(count) : undefined, load.ask({ await: total }, 'received')]);
  };
  try {
    const db = h.app.get(DataSource);
    // Warm-up: the rate bucket row exists afterwards and the code paths are compiled.
    await deliver(500);
    // What the idle service costs per second (pollers, heartbeats, metrics): on a loaded machine a phase
    // takes longer and pays more of it, so each phase also reports its CPU with this much taken off.
    const idle = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const idleUsed = process.cpuUsage(idle);
    const idleCpuUsPerSecond = Math.round((idleUsed.user + idleUsed.system) / 2);

    const measure = async (phase: string, count: number, run: () => Promise<void>): Promise<Figures> => {
      const profiler = await profile(phase);
      kinds.clear();
      const [cpu, started, counted, pgBefore] = [process.cpuUsage(), process.hrtime.bigint(), statements, await backendCpu(db)];
      await run();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpu);
      await profiler?.stop();
      // Backends opened meanwhile count from 0; one closed meanwhile is missed (the pool keeps them while busy).
      const pgUsed = [...(await backendCpu(db))].reduce((sum, [pid, us]) => sum + us - (pgBefore.get(pid) ?? 0), 0);
      return {
        deliveries: count,
        seconds: round(seconds),
        perSecond: Math.round(count / seconds),
        cpuUsPerDelivery: Math.round((used.user + used.system) / count),
        busyCpuUsPerDelivery: Math.round((used.user + used.system - idleCpuUsPerSecond * seconds) / count),
        systemCpuShare: round(used.system / (used.user + used.system)),
        statementsPerDelivery: round((statements - counted) / count),
        postgresCpuUsPerDelivery: Math.round(pgUsed / count),
        ...(byKind
          ? { statements: Object.fromEntries([...kinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => [kind, round(n / count)])) }
          : {}),
      };
    };
    const stream = await measure('stream', alerts, () => deliver(alerts));

    const buckets = `"${h.schema}".rate_buckets`;
    await db.query(`UPDATE ${buckets} SET paused_until = now() + interval '1 hour'`);
    const intake = await measure('intake', backlog, async () => {
      await publish(backlog);
      await waitFor(
        async () => Number((await db.query(`SELECT count(*) AS n FROM "${h.schema}".deliveries WHERE status = 'pending'`))[0].n) >= backlog,
        { timeoutMs: 600_000, intervalMs: 20 },
      );
    });
    const drained = await measure('backlog', backlog, async () => {
      await db.query(`UPDATE ${buckets} SET paused_until = NULL`);
      h.app.get(DeliveryService).wake(['bench']);
      await deliver(backlog, false);
    });
    process.stdout.write(`${JSON.stringify({ concurrency, idleCpuUsPerSecond, stream, intake, backlog: drained })}\n`);
  } finally {
    load.stop();
    await h.stop(await resolveDatabaseUrl());
  }
}

/** Profiles this process until stop() when `--profile=<dir>` names a directory. */
async function profile(phase: string): Promise<{ stop(): Promise<void> } | undefined> {
  const dir = profileDir;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile: taken } = await session.post('Profiler.stop');
      writeFileSync(join(dir, `${phase}.cpuprofile`), JSON.stringify(taken));
      session.disconnect();
    },
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`notifier bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
