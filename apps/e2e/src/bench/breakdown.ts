import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveDatabaseUrl, resolveNatsUrl } from '@firebreak/testing';
import { Client } from 'pg';
import { BENCH_GROUP, cpuPerAlertRows, NATS_GROUP, POSTGRES_SHARED_GROUP } from './breakdown-rows';
import { BreakdownSampler, listeningPids } from './breakdown-sampler';
import { exactlyOnceFailure } from './deliveries';
import { ALERTS_PER_WEBHOOK, failureText, sendAtRate } from './open-loop';
import { BenchPipeline, TOKEN } from './pipeline';
import { allStats, processTree } from './proc';
import { Row } from './report';

const ALERTS = 8_000;
const ALERTS_PER_SEC = 500;
/** Often enough to read most pool connections before they close (pg's pools drop one idle for 10 s). */
const SAMPLE_MS = 200;
/** Generous: on a quiet machine the last alert lands within a second or two; on a busy one the stack gets less CPU. */
const DRAIN_TIMEOUT_MS = 180_000;
/** After the last delivery: the notifier still settles it (and the others consume its events). */
const TAIL_MS = 1_000;
/** The idle sample before the load. */
const IDLE_SEC = 5;

function portOf(url: string, fallback: number): number {
  const first = url.split(',')[0].trim();
  const port = Number(new URL(first.includes('://') ? first : `nats://${first}`).port);
  return port > 0 ? port : fallback;
}

/**
 * Each service's process tree (read once: the services start no processes while running), nats-server and the
 * postmaster when they run on this machine, and this process.
 */
function processGroups(pipeline: BenchPipeline, natsPort: number, postgresPort: number): Map<string, number[]> {
  const stats = allStats();
  const groups = new Map<string, number[]>();
  for (const service of pipeline.stack!.services.values()) groups.set(service.app, processTree(service.process.pid!, stats));
  groups.set(NATS_GROUP, listeningPids(natsPort, 'nats-server'));
  groups.set(POSTGRES_SHARED_GROUP, listeningPids(postgresPort, 'postgres'));
  groups.set(BENCH_GROUP, [process.pid]);
  return groups;
}

/** CPU per second of each group while the stack sits idle: its timers and polls, to tell from what the alerts cost. */
async function idleRates(sampler: BreakdownSampler): Promise<Map<string, number>> {
  await sampler.tick();
  await sleep(IDLE_SEC * 1000);
  await sampler.tick();
  return new Map(sampler.totals().map((group) => [group.group, (group.processUs + group.postgresUs) / IDLE_SEC]));
}

/** The load sent and drained while `sampler` reads every SAMPLE_MS, from a first reading before it to one after. */
async function sampledLoad(pipeline: BenchPipeline, sampler: BreakdownSampler) {
  const started = Date.now();
  await sampler.tick();
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      await sleep(SAMPLE_MS);
      await sampler.tick();
    }
  })();
  try {
    const sent = await sendAtRate({
      url: pipeline.webhookUrl,
      token: TOKEN,
      run: `cpu${Date.now()}`,
      alertsPerSec: ALERTS_PER_SEC,
      durationSec: ALERTS / ALERTS_PER_SEC,
    });
    const stats = await pipeline.settle(sent.sentAt, DRAIN_TIMEOUT_MS);
    await sleep(TAIL_MS);
    return { sent, stats, windowSec: (Date.now() - started) / 1000 };
  } finally {
    sampling = false;
    await loop;
    await sampler.tick();
  }
}

/**
 * Where the whole stack's CPU goes, per delivered alert: 8,000 new alerts sent open-loop at 500 alerts/s (10 per
 * webhook) and every process's CPU time (utime + stime from /proc: each service's Node process, the Postgres
 * backends serving it, nats-server, this process) read from before the first webhook until all are delivered.
 */
export async function cpuBreakdownRows(pipeline: BenchPipeline, log: (line: string) => void): Promise<Row[]> {
  const quiet = await pipeline.quiet();
  const databaseUrl = await resolveDatabaseUrl();
  const postgresPort = portOf(databaseUrl, 5432);
  const groups = processGroups(pipeline, portOf(await resolveNatsUrl(), 4222), postgresPort);
  const clients = [...groups.keys()].filter((group) => group !== NATS_GROUP && group !== POSTGRES_SHARED_GROUP);
  const db = new Client({ connectionString: databaseUrl, application_name: 'firebreak-bench-breakdown' });
  await db.connect();
  try {
    const idleUsPerSec = await idleRates(new BreakdownSampler(db, groups, clients, postgresPort));
    const sampler = new BreakdownSampler(db, groups, clients, postgresPort);
    const { sent, stats, windowSec } = await sampledLoad(pipeline, sampler);
    log(`breakdown: ${stats.delivered}/${stats.sent} delivered in a ${windowSec.toFixed(1)} s window; ${failureText(sent)}`);
    const rows = cpuPerAlertRows(sampler.totals(), {
      delivered: stats.delivered,
      sent: stats.sent,
      alertsPerSec: ALERTS_PER_SEC,
      alertsPerWebhook: ALERTS_PER_WEBHOOK,
      windowSec,
      cores: cpus().length,
      idleUsPerSec,
    });
    const all = rows.find((row) => row.id === 'cpu-all')!;
    all.note = `${all.note}; ${failureText(sent)}`;
    const problems = [exactlyOnceFailure(stats), quiet ? undefined : 'an earlier part was still delivering when it began'];
    all.failure = problems.filter(Boolean).join(', ') || undefined;
    return rows;
  } finally {
    await db.end();
  }
}
