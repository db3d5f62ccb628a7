import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveNatsUrl } from '@firebreak/testing';
import { Alertmanager } from '../alertmanager';
import { ROOT, Stack } from '../stack';
import { execFileSync } from 'node:child_process';
import { endToEnd } from './end-to-end';
import { jetstreamCeiling } from './jetstream-ceiling';
import { runLoad } from './load';
import { alertmanagerBody, webhookBody } from './payloads';

const CONNECTIONS = 50;
const ALERTS_PER_REQUEST = 10;
const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 10);
const TOKEN = 'bench-token-0123456789';

interface Row {
  name: string;
  perSec: number;
  unit: string;
  p50Ms?: number;
  p99Ms?: number;
  note?: string;
}

async function alertmanagerIngest(): Promise<Row> {
  // Its receiver is never reached within the run (group_wait longer than the run).
  const alertmanager = new Alertmanager('http://127.0.0.1:9/', 'unused', { groupWait: '10m', groupInterval: '10m', repeatInterval: '1h' });
  await alertmanager.start();
  try {
    const run = `am${Date.now()}`;
    const result = await runLoad({
      url: `${alertmanager.url}/api/v2/alerts`,
      connections: CONNECTIONS,
      durationSec: DURATION_SEC,
      headers: {},
      body: (sequence) => alertmanagerBody(run, sequence, ALERTS_PER_REQUEST),
      itemsPerRequest: ALERTS_PER_REQUEST,
    });
    return {
      name: 'Alertmanager 0.25 POST /api/v2/alerts',
      perSec: result.itemsPerSec,
      unit: 'alerts/s',
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      note: `${result.non2xx} non-2xx`,
    };
  } finally {
    await alertmanager.stop();
  }
}

async function ingressIngest(): Promise<Row> {
  const stack = new Stack({ apps: ['ingress'], env: { FIREBREAK_WEBHOOK_TOKENS: TOKEN, LOG_LEVEL: 'error' } });
  await stack.start();
  try {
    const run = `in${Date.now()}`;
    const result = await runLoad({
      url: `${stack.url('ingress')}/api/v1/alerts/alertmanager`,
      connections: CONNECTIONS,
      durationSec: DURATION_SEC,
      headers: { authorization: `Bearer ${TOKEN}` },
      body: (sequence) => webhookBody(run, sequence, ALERTS_PER_REQUEST),
      itemsPerRequest: ALERTS_PER_REQUEST,
    });
    return {
      name: 'Firebreak ingress (acked by JetStream)',
      perSec: result.itemsPerSec,
      unit: 'alerts/s',
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      note: `${result.non2xx} non-2xx, ${result.errors} errors`,
    };
  } finally {
    await stack.cleanUp();
  }
}

/** The runbook engine runs in its own process (the e2e project may not import an app). */
function engineRows(): Row[] {
  const output = execFileSync(process.execPath, [join(ROOT, 'dist/apps/runbook-executor/src/bench/main.js'), '1000'], { encoding: 'utf8' });
  const engine = JSON.parse(output.trim().split('\n').pop()!) as {
    engine: { executionsPerSec: number; stepMs: { p50: number; p99: number }; cpuUsPerStep: number };
    bareHttp: { callsPerSec: number; callMs: { p50: number; p99: number }; cpuUsPerCall: number };
    overheadPerStep: { latencyMs: number; cpuUs: number };
  };
  return [
    {
      name: 'runbook engine: 3-step http runbook',
      perSec: engine.engine.executionsPerSec,
      unit: 'execs/s',
      p50Ms: engine.engine.stepMs.p50,
      p99Ms: engine.engine.stepMs.p99,
      note: `per step; ${engine.engine.cpuUsPerStep} µs CPU/step`,
    },
    {
      name: 'bare HTTP call to the same target',
      perSec: engine.bareHttp.callsPerSec,
      unit: 'calls/s',
      p50Ms: engine.bareHttp.callMs.p50,
      p99Ms: engine.bareHttp.callMs.p99,
      note: `${engine.bareHttp.cpuUsPerCall} µs CPU/call; engine overhead ${engine.overheadPerStep.cpuUs} µs CPU, ${engine.overheadPerStep.latencyMs} ms per step`,
    },
  ];
}

function table(rows: Row[]): string {
  const lines = rows.map((row) =>
    [
      row.name.padEnd(44),
      `${row.perSec}`.padStart(9),
      row.unit.padEnd(9),
      row.p50Ms === undefined ? '' : `p50 ${row.p50Ms} ms`,
      row.p99Ms === undefined ? '' : `p99 ${row.p99Ms} ms`,
      row.note ?? '',
    ].join('  '),
  );
  return lines.join('\n');
}

async function main(): Promise<void> {
  const natsUrl = await resolveNatsUrl();
  const rows: Row[] = [];
  const ceiling = await jetstreamCeiling(natsUrl, 50_000);
  rows.push({
    name: 'raw JetStream: nats.js js.publish()',
    perSec: ceiling.jsPublishPerSec,
    unit: 'msgs/s',
    note: '2000 in flight, Nats-Msg-Id',
  });
  rows.push({
    name: 'raw JetStream: async acks on one inbox',
    perSec: ceiling.asyncAckPerSec,
    unit: 'msgs/s',
    note: '2000 in flight, Nats-Msg-Id',
  });
  rows.push({
    name: 'EventPublisher (validate+envelope+trace)',
    perSec: ceiling.eventPublisherPerSec,
    unit: 'msgs/s',
    note: '2000 in flight',
  });
  rows.push(await alertmanagerIngest());
  rows.push(await ingressIngest());
  for (const result of await endToEnd([200, 1000], DURATION_SEC)) {
    rows.push({
      name: `end to end at ${result.rate} alerts/s (webhook→Slack)`,
      perSec: result.rate,
      unit: 'alerts/s',
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      note: `${result.delivered}/${result.sent} delivered`,
    });
  }
  rows.push(...engineRows());
  const result = {
    at: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    connections: CONNECTIONS,
    alertsPerRequest: ALERTS_PER_REQUEST,
    durationSec: DURATION_SEC,
    rows,
  };
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${result.at.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${table(rows)}\n\nwritten to ${file}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
