import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { systemClock } from '@firebreak/platform';
import { normaliseRunbook, Runbook, RunbookSchema } from '../definitions/runbook.schema';
import { Engine } from '../engine/engine';
import { ExecutionInfo, initialState, StepRunners } from '../engine/engine.types';
import { MemoryStore } from '../engine/testing/memory-store';
import { ApprovalStepRunner } from '../steps/approval.step';
import { HostAllowList } from '../steps/host-allow-list';
import { sendHttp } from '../steps/http-client';
import { HttpStepRunner } from '../steps/http.step';
import { NotifyStepRunner } from '../steps/notify.step';
import { PublishStepRunner } from '../steps/publish.step';
import { WaitStepRunner } from '../steps/wait.step';

export interface EngineBenchOptions {
  executions: number;
  /** Base URL of a local HTTP server answering GET with 2xx (e.g. FakeHttpTarget). */
  targetUrl: string;
  /** Executions (and bare calls) in flight at once; the same for both sides. Default 8. */
  concurrency?: number;
  warmup?: number;
}

interface Latency {
  mean: number;
  p50: number;
  p99: number;
}

const STEPS = 3;

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length)),
    p50: round(at(0.5)),
    p99: round(at(0.99)),
  };
}

function benchRunbook(targetUrl: string): Runbook {
  const base = targetUrl.replace(/\/$/, '');
  const step = (id: string) => ({
    id,
    uses: 'http',
    retries: { max: 0 },
    with: { url: `${base}/bench/${id}?execution={{ execution.id }}&instance={{ alert.labels.instance }}` },
  });
  return normaliseRunbook(
    RunbookSchema.parse({
      id: 'bench',
      title: 'Engine benchmark',
      severity: 'info',
      steps: [step('first'), step('second'), step('third')],
    }),
  );
}

function runners(targetUrl: string): StepRunners {
  const http = new HttpStepRunner(new HostAllowList([new URL(targetUrl).host]));
  const unused = new WaitStepRunner();
  return {
    http,
    command: unused,
    prometheus: unused,
    sql: unused,
    dlq: unused,
    wait: unused,
    fail: unused,
    approval: new ApprovalStepRunner(),
    notify: new NotifyStepRunner((id) => id),
    publish: new PublishStepRunner(),
  };
}

async function runEngine(runbook: Runbook, stepRunners: StepRunners): Promise<number> {
  const id = randomUUID();
  const execution: ExecutionInfo = { id, requestId: id, runbookId: runbook.id, mode: 'live', trigger: 'manual', severity: 'info' };
  const started = performance.now();
  const outcome = await new Engine({
    runbook,
    execution,
    scope: {
      alert: { labels: { instance: 'bench-1' }, annotations: {} },
      context: {},
      params: {},
      execution: { id, mode: 'live', runbookId: runbook.id, trigger: 'manual' },
      vars: {},
    },
    state: initialState(),
    store: new MemoryStore(false),
    runners: stepRunners,
    clock: systemClock,
    cancel: new AbortController().signal,
    stop: new AbortController().signal,
    defaults: { maxRetries: 0, stepTimeoutMs: 30_000, runbookTimeoutMs: 600_000, approvalRequired: false },
  }).run();
  if (outcome.status !== 'succeeded')
    throw new Error(`benchmark execution ended ${outcome.status}: ${'reason' in outcome ? outcome.reason : ''}`);
  return performance.now() - started;
}

/** The http step's own client (sendHttp), so the difference is the engine's, not a faster or slower client's. */
async function bareCall(url: string): Promise<number> {
  const started = performance.now();
  const answer = await sendHttp(new URL(url), { method: 'GET', headers: {}, signal: new AbortController().signal });
  await answer.read(64 * 1024);
  if (answer.status < 200 || answer.status >= 300) throw new Error(`bare call answered HTTP ${answer.status}`);
  return performance.now() - started;
}

/** Runs `count` jobs with `concurrency` in flight; returns each job's duration, the wall time and the CPU time used. */
async function pool(
  count: number,
  concurrency: number,
  job: (index: number) => Promise<number>,
): Promise<{ durations: number[]; elapsedMs: number; cpuUs: number }> {
  const durations: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) durations.push(await job(next++));
    }),
  );
  const used = process.cpuUsage(cpu);
  return { durations, elapsedMs: performance.now() - started, cpuUs: used.user + used.system };
}

/**
 * The engine's own cost per step next to a bare HTTP call to the same target, measured in one run:
 * `executions` runs of a 3-step `http` runbook (templated URLs, allow-list check, attempt records,
 * timeouts) against `executions × 3` bare calls of the step's HTTP client at the same concurrency. The store is in
 * memory: this is the engine, not Postgres or the outbox.
 */
export async function benchEngine(options: EngineBenchOptions) {
  const concurrency = options.concurrency ?? 8;
  const runbook = benchRunbook(options.targetUrl);
  const stepRunners = runners(options.targetUrl);
  const bareUrl = `${options.targetUrl.replace(/\/$/, '')}/bench/bare`;
  const warmup = options.warmup ?? Math.min(100, options.executions);
  await pool(warmup, concurrency, () => runEngine(runbook, stepRunners));
  await pool(warmup * STEPS, concurrency, () => bareCall(bareUrl));

  const bare = await pool(options.executions * STEPS, concurrency, () => bareCall(bareUrl));
  const engine = await pool(options.executions, concurrency, () => runEngine(runbook, stepRunners));
  const engineStep = latency(engine.durations.map((ms) => ms / STEPS));
  const bareCallLatency = latency(bare.durations);
  const perStepCpu = engine.cpuUs / (options.executions * STEPS);
  const perCallCpu = bare.cpuUs / (options.executions * STEPS);
  return {
    executions: options.executions,
    stepsPerExecution: STEPS,
    concurrency,
    engine: {
      elapsedMs: Math.round(engine.elapsedMs),
      executionsPerSec: Math.round((options.executions / engine.elapsedMs) * 1000),
      executionMs: latency(engine.durations),
      stepMs: engineStep,
      cpuUsPerStep: Math.round(perStepCpu),
    },
    bareHttp: {
      calls: options.executions * STEPS,
      elapsedMs: Math.round(bare.elapsedMs),
      callsPerSec: Math.round(((options.executions * STEPS) / bare.elapsedMs) * 1000),
      callMs: bareCallLatency,
      cpuUsPerCall: Math.round(perCallCpu),
    },
    overheadPerStep: {
      latencyMs: Math.round((engineStep.mean - bareCallLatency.mean) * 1000) / 1000,
      cpuUs: Math.round(perStepCpu - perCallCpu),
    },
    note: 'in-memory store: the engine alone; a persisted execution adds one Postgres statement (state, attempt rows, outbox events) per attempt start, a finished attempt written with the next one or the run’s end',
  };
}
