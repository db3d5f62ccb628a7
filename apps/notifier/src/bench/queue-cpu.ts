import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { EventOf } from '@firebreak/contracts';
import { createDataSource, openDatabase } from '@firebreak/platform';
import { processCpuUs, resolveDatabaseUrl, uniqueTestId } from '@firebreak/testing';
import { DeliveriesRepository } from '../delivery/deliveries.repository';
import { DeliveryOutcomesRepository } from '../delivery/delivery-outcomes.repository';
import { NewDelivery } from '../delivery/delivery.types';
import { fromAlertNotify } from '../notifications/from-events';
import { NotifierConfig, SERVICE } from '../service';
import { alertNotify, fingerprint } from '../testing/notifier-harness';

// `node …/apps/notifier/src/bench/queue-cpu.js [deliveries] [rounds] [--marks=<n>] [--vacuum] [--keep]`: the Postgres side of the
// delivery queue alone, without HTTP or the bus, at the batch sizes the full bench (main.ts) reaches at 64 in flight:
// inserts of 100, then claims of 64 (the round's one statement, claimOntoWire), each settled as sent in two batches of 32 before the
// next claim, as the channel loop goes. One connection: its backend's CPU (from /proc, a local Postgres) per delivery
// for each statement kind, and this process's. Steadier than main.ts on a shared machine (no HTTP, no timing-dependent
// batches): for an A/B, run the two builds alternately. `--marks=<n>`: that many alerts sent before (their marks in
// `alert_marks`, kept FIREBREAK_NOTIFY_HISTORY_DAYS). `--vacuum`: deliveries vacuumed between rounds. `--keep` leaves the
// schema, to look at plans. One JSON line a round.

const INSERT_BATCH = 100;
const CLAIM_BATCH = 64;
const SETTLE_BATCH = 32;

interface Queue {
  db: DataSource;
  deliveries: DeliveriesRepository;
  outcomes: DeliveryOutcomesRepository;
}

async function open(url: string, marks: number): Promise<Queue> {
  const schema = uniqueTestId('t_notifier_queue');
  const options = { url, schema, migrations: SERVICE.database!.migrations };
  // Migrated over two connections (the migration lock holds one), then measured over one: its backend is the one read.
  await (await openDatabase({ ...options, poolSize: 2 }, pino({ level: 'silent' }), 1)).destroy();
  const db = await createDataSource({ ...options, poolSize: 1 }).initialize();
  await db.query(
    `INSERT INTO "${schema}".alert_marks (channel, target, fingerprint, sent_ordered_at, updated_at)
     SELECT 'bench', 'default', 'earlier-' || n, now(), now() FROM generate_series(1, $1::int) AS n`,
    [marks],
  );
  const config = { dbSchema: schema } as NotifierConfig;
  return { db, deliveries: new DeliveriesRepository(db, config), outcomes: new DeliveryOutcomesRepository(config) };
}

/** CPU µs the backend has used so far (utime + stime, in ticks of 10 ms). */
/** The backend's CPU so far (µs): Postgres on this machine, read from /proc. */
function backendCpu(pid: number): number {
  const cpu = processCpuUs(pid);
  if (cpu === null) throw new Error(`no /proc/${pid}: this bench reads the CPU of a Postgres running on this machine`);
  return cpu;
}

/** Asked each round: the pool closes a connection left idle. */
async function backendPid(q: Queue): Promise<number> {
  const [{ pid }] = await q.db.query<Array<{ pid: number }>>('SELECT pg_backend_pid() AS pid');
  return pid;
}

const cpuSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return used.user + used.system;
};

/** Deliveries of new alerts to a webhook channel, their contents as intake renders them (the event included). */
function newDeliveries(count: number): NewDelivery[] {
  return Array.from({ length: count }, () => {
    const data = alertNotify('firing', fingerprint(), 'critical');
    const time = new Date().toISOString();
    const event = {
      specversion: '1.0',
      id: randomUUID(),
      source: 'mapper',
      type: 'alerts.notify',
      time,
      subject: data.alert.fingerprint,
      data,
    };
    const content = { ...fromAlertNotify(event as unknown as EventOf<'alerts.notify'>), event: event as never };
    return {
      id: randomUUID(),
      announcementId: event.id,
      announcementSubject: 'alerts.notify',
      channel: 'bench',
      channelType: 'webhook',
      target: 'default',
      kind: 'firing',
      severity: 'critical',
      fingerprint: data.alert.fingerprint,
      title: content.title,
      content,
      status: 'pending',
      receivedAt: new Date(),
      orderedAt: new Date(),
    };
  });
}

async function round(q: Queue, count: number) {
  const rows = newDeliveries(count);
  const used = { insert: 0, claim: 0, settle: 0, nodeInsert: 0, nodeClaim: 0, nodeSettle: 0 };
  const pid = await backendPid(q);
  let [pg, node] = [backendCpu(pid), process.cpuUsage()];
  for (let i = 0; i < count; i += INSERT_BATCH)
    await q.db.transaction((m) => q.deliveries.insert(m, rows.slice(i, i + INSERT_BATCH), new Date()));
  [used.insert, used.nodeInsert] = [backendCpu(pid) - pg, cpuSince(node)];
  for (let done = 0; done < count;) {
    const now = new Date();
    node = process.cpuUsage();
    const claimed = await q.db.transaction(async (m) => {
      const before = backendCpu(pid);
      // The round's claim as the dispatcher sends it (claim, superseded check and marks, the bucket's spend).
      const { deliveries } = await q.deliveries.claimOntoWire(m, 'bench', CLAIM_BATCH, now, new Date(now.getTime() + 60_000), {
        tokens: Number.MAX_SAFE_INTEGER,
        refilledAt: now,
      });
      used.claim += backendCpu(pid) - before;
      return deliveries;
    });
    used.nodeClaim += cpuSince(node);
    if (claimed.length === 0) throw new Error(`claimed ${done} of ${count}`);
    [pg, node] = [backendCpu(pid), process.cpuUsage()];
    for (let i = 0; i < claimed.length; i += SETTLE_BATCH) {
      const updates = claimed
        .slice(i, i + SETTLE_BATCH)
        .map((d) => ({ ...d, status: 'sent' as const, sentAt: new Date(), responseStatus: 200 }));
      const settled = await q.db.transaction((m) => q.outcomes.applyOutcomes(m, updates, new Date()));
      if (settled.size !== updates.length) throw new Error('settled fewer than claimed');
    }
    used.settle += backendCpu(pid) - pg;
    used.nodeSettle += cpuSince(node);
    done += claimed.length;
  }
  const per = (us: number) => Math.round(us / count);
  return {
    postgresUs: { insert: per(used.insert), claim: per(used.claim), settle: per(used.settle) },
    nodeUs: { insert: per(used.nodeInsert), claim: per(used.nodeClaim), settle: per(used.nodeSettle) },
  };
}

async function main(): Promise<void> {
  const [count = 3000, rounds = 4] = process.argv
    .slice(2)
    .filter((arg) => !arg.startsWith('--'))
    .map(Number);
  const marks = Number(process.argv.find((arg) => arg.startsWith('--marks='))?.split('=')[1] ?? 0);
  const vacuum = process.argv.includes('--vacuum');
  const q = await open(await resolveDatabaseUrl(), marks);
  try {
    // Warm-up: the code paths compiled, the catalogues cached.
    await round(q, 500);
    for (let r = 0; r < rounds; r++) {
      // `--vacuum`: what autovacuum would have done between rounds (this machine's Postgres runs without it).
      if (vacuum) await q.db.query(`VACUUM "${(q.db.options as { schema: string }).schema}".deliveries`);
      process.stdout.write(`${JSON.stringify({ round: r, ...(await round(q, count)) })}\n`);
    }
  } finally {
    if (!process.argv.includes('--keep'))
      await q.db.query(`DROP SCHEMA IF EXISTS "${(q.db.options as { schema: string }).schema}" CASCADE`);
    await q.db.destroy();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`queue-cpu bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
