import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { stringify } from 'yaml';
import pino from 'pino';
import { streamDefinitions } from '@firebreak/contracts';
import { BusConnection, EventPublisher, SubjectNames } from '@firebreak/bus';
import { FakeHttpTarget, freePort, resolveDatabaseUrl, resolveNatsUrl, uniqueTestId, waitFor } from '@firebreak/testing';

const ROOT = resolve(__dirname, '../../../..');
const MAIN = join(ROOT, 'dist/apps/runbook-executor/src/main.js');
const id = uniqueTestId('recovery');
const dir = mkdtempSync(join(tmpdir(), 'firebreak-recovery-'));
const target = new FakeHttpTarget();
const failed: Array<Record<string, unknown>> = [];
const children: ChildProcess[] = [];
let restartCalls = 0;
let releaseRestart: () => void = () => undefined;
const restartHeld = new Promise<void>((resolve) => (releaseRestart = resolve));
let bus: BusConnection;
let db: DataSource;

const runbooks = {
  resumable: {
    id: 'resumable',
    title: 'Mark, wait, finish',
    severity: 'warning',
    steps: [
      { id: 'mark', uses: 'http', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/mark' } },
      { id: 'pause', uses: 'wait', with: { duration: '5s' } },
      { id: 'finish', uses: 'http', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/finish' } },
    ],
  },
  dangerous: {
    id: 'dangerous',
    title: 'Restart the database',
    severity: 'critical',
    steps: [
      { id: 'restart_db', uses: 'http', timeout: '1m', with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/restart-db' } },
    ],
  },
};

async function startExecutor(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      NATS_URL: await resolveNatsUrl(),
      DATABASE_URL: await resolveDatabaseUrl(),
      FIREBREAK_SUBJECT_PREFIX: id,
      FIREBREAK_DB_SCHEMA: id,
      FIREBREAK_RUNBOOKS_DIR: join(dir, 'runbooks'),
      FIREBREAK_CONFIG_DIR: join(dir, 'config'),
      FIREBREAK_HTTP_PORT: String(port),
      FIREBREAK_HTTP_HOST: '127.0.0.1',
      FIREBREAK_EXECUTION_LEASE_MS: '1500',
      FIREBREAK_WORKER_POLL_MS: '100',
      LOG_LEVEL: 'error',
    },
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/health/ready`).catch(() => undefined))?.ok === true, {
    timeoutMs: 30_000,
    intervalMs: 100,
    message: 'the executor to be ready',
  });
  return { child, url };
}

const attempts = (requestId: string) =>
  db.query(
    `SELECT a.step_id, a.attempt, a.status, a.error FROM "${id}".step_attempts a JOIN "${id}".executions e ON e.id = a.execution_id WHERE e.request_id = $1 ORDER BY a.id`,
    [requestId],
  );
const statusOf = async (requestId: string) =>
  ((await db.query(`SELECT status FROM "${id}".executions WHERE request_id = $1`, [requestId]))[0] as { status: string } | undefined)
    ?.status;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} does not exist: run \`npm run build\` first (npm test does)`);
  mkdirSync(join(dir, 'runbooks'), { recursive: true });
  mkdirSync(join(dir, 'config'), { recursive: true });
  for (const [name, runbook] of Object.entries(runbooks)) writeFileSync(join(dir, 'runbooks', `${name}.yaml`), stringify(runbook));
  await target.start();
  // The restart never answers while the test runs: it is in flight when the executor is killed.
  target.on('POST', '/restart-db', async () => (restartCalls++, await restartHeld, {}));
  db = new DataSource({ type: 'postgres', url: await resolveDatabaseUrl() });
  await db.initialize();
  bus = await BusConnection.connect({ natsUrl: await resolveNatsUrl(), name: 'recovery-test', logger: pino({ level: 'silent' }) });
  bus.nc.subscribe(`${id}.runbooks.execution.failed`, {
    callback: (_e, msg) => void failed.push(msg.json<{ data: Record<string, unknown> }>().data),
  });
});

afterAll(async () => {
  releaseRestart();
  for (const child of children) child.kill('SIGKILL');
  for (const stream of streamDefinitions({ subjectPrefix: id })) await bus?.jsm.streams.delete(stream.name).catch(() => undefined);
  await bus?.drain();
  await db?.query(`DROP SCHEMA IF EXISTS "${id}" CASCADE`);
  await db?.destroy();
  await target.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('after SIGKILL, a new executor resumes from the last finished step and never re-runs an interrupted mutating step', async () => {
  const first = await startExecutor();
  const publisher = new EventPublisher(bus, { source: 'mapper', subjects: new SubjectNames(id), publishTimeoutMs: 5_000 });
  const port = new URL(target.url).port;
  const request = async (runbookId: string) => {
    const requestId = uniqueTestId(runbookId);
    await publisher.publish('runbooks.requested', {
      requestId,
      runbookId,
      mode: 'live',
      trigger: 'alert',
      fingerprint: '00000000000000aa',
      context: {},
      params: { port },
    });
    return requestId;
  };
  const resumable = await request('resumable');
  const dangerous = await request('dangerous');
  publisher.close();
  await waitFor(
    async () =>
      (await attempts(resumable)).some((a: { step_id: string; status: string }) => a.step_id === 'pause' && a.status === 'running'),
    { timeoutMs: 15_000, message: 'the wait step to start' },
  );
  // In flight: its call reached the target (the attempt row commits first, then its events are published, then the call
  // is made, so a kill as soon as the row shows could come before the call, and the test would see none).
  await waitFor(async () => restartCalls === 1 && (await attempts(dangerous)).some((a: { status: string }) => a.status === 'running'), {
    timeoutMs: 15_000,
    message: 'the restart to be in flight',
  });

  first.child.kill('SIGKILL');
  await new Promise((done) => first.child.once('exit', done));
  await startExecutor();

  await waitFor(async () => (await statusOf(resumable)) === 'succeeded', {
    timeoutMs: 30_000,
    message: 'the resumable execution to succeed',
  });
  expect((await attempts(resumable)).map((a: { step_id: string; status: string }) => `${a.step_id}:${a.status}`)).toEqual([
    'mark:succeeded',
    'pause:failed',
    'pause:succeeded',
    'finish:succeeded',
  ]);
  expect(target.requests.filter((r) => r.path === '/mark')).toHaveLength(1);
  expect(target.requests.filter((r) => r.path === '/finish')).toHaveLength(1);

  await waitFor(async () => (await statusOf(dangerous)) === 'needs_attention', {
    timeoutMs: 30_000,
    message: 'the dangerous execution to need attention',
  });
  expect(restartCalls).toBe(1);
  const restartAttempts = await attempts(dangerous);
  expect(restartAttempts).toEqual([
    expect.objectContaining({
      step_id: 'restart_db',
      attempt: 1,
      status: 'failed',
      error: expect.stringMatching(/mutating and not idempotent, so it is not run again/),
    }),
  ]);
  await waitFor(() => failed.some((f) => f.runbookId === 'dangerous'));
  expect(failed.find((f) => f.runbookId === 'dangerous')).toMatchObject({
    status: 'needs_attention',
    escalate: true,
    fingerprint: '00000000000000aa',
  });
});
