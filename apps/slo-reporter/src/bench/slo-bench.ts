import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { streamForSubject } from '@firebreak/contracts';
import { startBenchChild, uniqueTestId, watchPostgres } from '@firebreak/testing';
import { BusProbe, closeInstallation, startReporter, useInstallation, DELIVERY_SLO } from '../testing/slo-harness';

export interface SloBenchResult {
  alerts: number;
  events: number;
  /** From the first publish until both consumers acknowledged everything. */
  elapsedMs: number;
  /** The slo-reporter's CPU (this process) per counted event. */
  cpuUsPerEvent: number;
  /** CPU of the Postgres backends serving it, per event (a backend closed before the end is missed). */
  postgresCpuUsPerEvent: number;
  /** Statements sent to Postgres (BEGIN and COMMIT included) per event. */
  statementsPerEvent: number;
  /** What the buckets gained: must be one per event. */
  counted: number;
}

function startPublisher(id: string, alerts: number, run: string) {
  return startBenchChild(join(__dirname, 'publish-events.js'), [id, String(alerts), run]);
}

async function countedSoFar(db: DataSource, schema: string): Promise<number> {
  const [{ n }] = await db.query(
    `SELECT coalesce(sum(count), 0)::int AS n FROM "${schema}".event_counts WHERE signal <> 'alerts.firing.critical'`,
  );
  return n;
}

/**
 * Polled every 10 ms over NATS (not Postgres, whose statements are counted), once every event is published: nothing
 * left pending or unacknowledged, and a handler acknowledges only after its batch committed.
 */
async function drained(bus: BusProbe): Promise<void> {
  for (let i = 0; ; i++) {
    if (i > 60_000) throw new Error('the reporter did not take the storm within 10 minutes');
    let done = true;
    for (const subject of ['notifications.delivered', 'alerts.state.changed'] as const) {
      const durable = `slo-reporter-${subject.replace(/\./g, '-')}`;
      const info = await bus.connection.jsm.consumers.info(streamForSubject(subject, bus.subjects.prefix), durable);
      if (info.num_pending > 0 || info.num_ack_pending > 0) done = false;
    }
    if (done) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * The slo-reporter (in this process, started and idle) counting `alerts` × 2 events (notifications.delivered and
 * alerts.state.changed) published straight to JetStream by another process, measured from the first publish until
 * every event is acknowledged (so counted). The first run warms up (JIT, pools) and is not reported.
 */
export async function benchSloReporter(alerts: number, repeats: number): Promise<SloBenchResult[]> {
  const id = uniqueTestId('slo_bench');
  let bus: BusProbe | undefined;
  let app: NestFastifyApplication | undefined;
  const runs: SloBenchResult[] = [];
  try {
    bus = await useInstallation(id, { tokens: 'viewer-token:viewer', slos: DELIVERY_SLO });
    app = await startReporter();
    // Read outside the measured window only.
    const probe = app.get(DataSource);
    for (let n = 0; n <= repeats; n++) {
      const before = await countedSoFar(probe, id);
      const publisher = await startPublisher(id, alerts, String(n));
      const postgres = watchPostgres();
      const cpu = process.cpuUsage();
      const started = performance.now();
      publisher.go();
      await publisher.exited;
      await drained(bus);
      const elapsedMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const postgresCpuUs = postgres.stop();
      if (n === 0) continue;
      const events = 2 * alerts;
      runs.push({
        alerts,
        events,
        elapsedMs: Math.round(elapsedMs),
        cpuUsPerEvent: Math.round((used.user + used.system) / events),
        postgresCpuUsPerEvent: Math.round(postgresCpuUs / events),
        statementsPerEvent: Math.round((postgres.statements() / events) * 100) / 100,
        counted: (await countedSoFar(probe, id)) - before,
      });
    }
    return runs;
  } finally {
    await closeInstallation(id, app, bus);
  }
}
