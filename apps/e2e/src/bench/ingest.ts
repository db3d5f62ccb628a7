import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Alertmanager } from '../alertmanager';
import { ROOT, Stack } from '../stack';
import { runLoad } from './load';
import { alertmanagerBody, webhookBody } from '@firebreak/testing';
import { TOKEN } from './pipeline';
import { Row } from './report';

export const CONNECTIONS = 50;
export const ALERTS_PER_REQUEST = 10;
export const INGRESS_PATH = '/api/v1/alerts/alertmanager';

export async function alertmanagerRow(durationSec: number): Promise<Row> {
  // Its receiver is never reached within the run (group_wait longer than the run).
  const alertmanager = new Alertmanager('http://127.0.0.1:9/', 'unused', { groupWait: '10m', groupInterval: '10m', repeatInterval: '1h' });
  await alertmanager.start();
  try {
    const run = `am${Date.now()}`;
    const result = await runLoad({
      url: `${alertmanager.url}/api/v2/alerts`,
      connections: CONNECTIONS,
      durationSec,
      headers: {},
      body: (sequence) => alertmanagerBody(run, sequence, ALERTS_PER_REQUEST),
      itemsPerRequest: ALERTS_PER_REQUEST,
    });
    return {
      id: 'alertmanager',
      name: 'Alertmanager 0.25 POST /api/v2/alerts',
      value: result.itemsPerSec,
      unit: 'alerts/s',
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      note: `${result.non2xx} non-2xx`,
    };
  } finally {
    await alertmanager.stop();
  }
}

/** Closed-loop load on an ingress (50 connections, 10 new alerts per webhook). */
export async function ingressLoad(ingressUrl: string, durationSec: number): Promise<Awaited<ReturnType<typeof runLoad>>> {
  const run = `in${Date.now()}`;
  return runLoad({
    url: `${ingressUrl}${INGRESS_PATH}`,
    connections: CONNECTIONS,
    durationSec,
    headers: { authorization: `Bearer ${TOKEN}` },
    body: (sequence) => webhookBody(run, sequence, ALERTS_PER_REQUEST),
    itemsPerRequest: ALERTS_PER_REQUEST,
  });
}

export async function ingressAloneRow(durationSec: number): Promise<Row> {
  const stack = new Stack({ apps: ['ingress'], env: { FIREBREAK_WEBHOOK_TOKENS: TOKEN, LOG_LEVEL: 'error' } });
  await stack.start();
  try {
    const result = await ingressLoad(stack.url('ingress'), durationSec);
    return {
      id: 'ingress',
      name: 'Firebreak ingress alone (acked by JetStream)',
      value: result.itemsPerSec,
      unit: 'alerts/s',
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      note: `${result.non2xx} non-2xx, ${result.errors} errors`,
      versus: 'alertmanager',
    };
  } finally {
    await stack.cleanUp();
  }
}

/** The runbook engine runs in its own process (the e2e project may not import an app). */
export function engineRows(): Row[] {
  const output = execFileSync(process.execPath, [join(ROOT, 'dist/apps/runbook-executor/src/bench/main.js'), '1000'], { encoding: 'utf8' });
  const engine = JSON.parse(output.trim().split('\n').pop()!) as {
    engine: { executionsPerSec: number; stepMs: { p50: number; p99: number }; cpuUsPerStep: number };
    bareHttp: { callsPerSec: number; callMs: { p50: number; p99: number }; cpuUsPerCall: number };
    overheadPerStep: { latencyMs: number; cpuUs: number };
    /** The real path: runbooks.requested on JetStream → Postgres → steps → runbooks.execution.* events. */
    persisted: {
      executions: number;
      executionsPerSec: number;
      transactionsPerExecution: number;
      statementsPerExecution: number;
      runMs: { p50: number; p99: number };
      cpuUsPerExecution: number;
      workerConcurrency: number;
    };
  };
  const { persisted } = engine;
  return [
    {
      id: 'executions',
      name: 'runbook executions with Postgres and NATS (3 http steps)',
      value: persisted.executionsPerSec,
      unit: 'execs/s',
      p50Ms: persisted.runMs.p50,
      p99Ms: persisted.runMs.p99,
      note: `${persisted.executions} runs, worker concurrency ${persisted.workerConcurrency}; ${persisted.transactionsPerExecution} transactions and ${persisted.statementsPerExecution} statements per run; ${persisted.cpuUsPerExecution} µs executor CPU per run`,
    },
    {
      id: 'engine',
      name: 'runbook engine alone (in memory): 3-step http runbook',
      value: engine.engine.executionsPerSec,
      unit: 'execs/s',
      p50Ms: engine.engine.stepMs.p50,
      p99Ms: engine.engine.stepMs.p99,
      note: `latency per step; ${engine.engine.cpuUsPerStep} µs CPU/step`,
    },
    {
      id: 'bare-http',
      name: 'bare HTTP call to the same target',
      value: engine.bareHttp.callsPerSec,
      unit: 'calls/s',
      p50Ms: engine.bareHttp.callMs.p50,
      p99Ms: engine.bareHttp.callMs.p99,
      note: `${engine.bareHttp.cpuUsPerCall} µs CPU/call; engine overhead ${engine.overheadPerStep.cpuUs} µs CPU, ${engine.overheadPerStep.latencyMs} ms per step`,
    },
  ];
}
