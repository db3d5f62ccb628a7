import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { streamForSubject } from '@firebreak/contracts';
import { startBenchChild, uniqueTestId, waitFor, watchPostgres } from '@firebreak/testing';
import { announceRunbooks, BusProbe, closeInstallation, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';
import { STORM_ALERTNAMES, StormWorkload } from './storm';

export interface KnowledgeBenchResult {
  workload: StormWorkload;
  alerts: number;
  /** The knowledge service's CPU (this process) per new alert. */
  cpuUsPerAlert: number;
  /** CPU of the Postgres backends serving it, per alert (a backend closed before the end is missed). */
  postgresCpuUsPerAlert: number;
  /** Statements sent to Postgres (BEGIN and COMMIT included) per alert. */
  statementsPerAlert: number;
  /** Episodes analysed in full (across the run), and those not by reason (firebreak_analysis_skipped_total). */
  analysed: number;
  skipped: Record<string, number>;
}

const RUNBOOKS = STORM_ALERTNAMES.map((name, i) => ({
  id: `bench_fix_${i}`,
  title: `Fix ${name}`,
  description: `Restarts what ${name} points at`,
  tags: [name],
  prose: `# Fix ${name}\n\nWhen ${name} fires for the service, check the instance, restart the pods, roll back the deploy.\n`,
}));

function startPublisher(id: string, workload: StormWorkload, alerts: number, run: string, now: number) {
  return startBenchChild(join(__dirname, 'publish-storm.js'), [id, workload, String(alerts), run, String(now)]);
}

async function drained(bus: BusProbe, workload: StormWorkload): Promise<void> {
  const subjects =
    workload === 'both'
      ? (['alerts.notify', 'alerts.state.changed'] as const)
      : workload === 'notify'
        ? (['alerts.notify'] as const)
        : (['alerts.state.changed'] as const);
  await waitFor(
    async () => {
      for (const subject of subjects) {
        const durable = `knowledge-${subject.replace(/\./g, '-')}`;
        const info = await bus.connection.jsm.consumers.info(streamForSubject(subject, bus.subjects.prefix), durable);
        if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
      }
      return true;
    },
    { timeoutMs: 600_000, intervalMs: 20, message: 'the knowledge service drained the storm' },
  );
}

async function skippedCounts(): Promise<Record<string, number>> {
  const metric = register.getSingleMetric('firebreak_analysis_skipped_total');
  const out: Record<string, number> = {};
  for (const v of (await metric?.get())?.values ?? []) out[String(v.labels.reason)] = v.value;
  return out;
}

/**
 * The knowledge service (in this process, started and idle) taking a storm of new alerts published straight to
 * JetStream by another process; measured from the first publish until its consumers have acknowledged everything.
 * Each workload in `workloads` runs `repeats` times on one installation (fresh fingerprints each run).
 */
export async function benchKnowledge(workloads: StormWorkload[], alerts: number, repeats: number, env: Record<string, string> = {}) {
  const id = uniqueTestId('knowledge_bench');
  const bus = await useInstallation(id, { runbooksDir: runbooksDir(RUNBOOKS), env });
  let app: NestFastifyApplication | undefined;
  const runs: KnowledgeBenchResult[] = [];
  try {
    app = await startKnowledge();
    await announceRunbooks(bus, RUNBOOKS);
    const db = app.get(DataSource);
    let n = 0;
    // The first run warms up (JIT, pools) and is not reported.
    for (const workload of [workloads[0], ...Array.from({ length: repeats }, () => workloads).flat()]) {
      const run = (n++).toString(16).padStart(4, '0');
      const now = Date.now();
      const before = { skipped: await skippedCounts(), analysed: await countAnalyses(db, id) };
      const publisher = await startPublisher(id, workload, alerts, run, now);
      const postgres = watchPostgres();
      const cpu = process.cpuUsage();
      publisher.go();
      await publisher.exited;
      await drained(bus, workload);
      const used = process.cpuUsage(cpu);
      const postgresCpuUs = postgres.stop();
      const skipped = await skippedCounts();
      if (n === 1) continue;
      runs.push({
        workload,
        alerts,
        cpuUsPerAlert: Math.round((used.user + used.system) / alerts),
        postgresCpuUsPerAlert: Math.round(postgresCpuUs / alerts),
        statementsPerAlert: Math.round((postgres.statements() / alerts) * 100) / 100,
        analysed: (await countAnalyses(db, id)) - before.analysed,
        skipped: Object.fromEntries(Object.entries(skipped).map(([k, v]) => [k, v - (before.skipped[k] ?? 0)])),
      });
    }
    return runs;
  } finally {
    await closeInstallation(id, app, bus);
  }
}

async function countAnalyses(db: DataSource, schema: string): Promise<number> {
  const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM "${schema}".analyses WHERE shed_reason IS NULL`);
  return n;
}
