import type { Logger } from 'pino';
import { buildConfig } from '@firebreak/platform';
import { ClaimedRow } from '../lifecycle/execution.types';
import { WorkerSignals } from '../lifecycle/worker-signals';
import { SERVICE } from '../service';
import { ExecutionClaims } from './execution-claims';
import { ExecutionRunner, RunSignals } from './execution-runner';
import { ExecutionWorker } from './execution-worker';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

const row = (id: string) => ({ id }) as ClaimedRow;

/**
 * A worker whose claims and runs the test answers by hand. The poll interval is a minute, so
 * everything that happens within a test was started by the start-up round or a kick.
 */
function worker(concurrency = 2) {
  const claims: Array<ReturnType<typeof deferred<ClaimedRow[]>> & { max: number; running: string[] }> = [];
  const started: string[] = [];
  const runs = new Map<string, { signals: RunSignals; done: ReturnType<typeof deferred<void>> }>();
  const lines: Array<{ level: string; msg: string }> = [];
  const log = (level: string) => (_fields: unknown, msg: string) => void lines.push({ level, msg });
  const logger = { warn: log('warn'), info: log('info'), error: log('error') } as unknown as Logger;
  const executionClaims = {
    claim: (_workerId: string, max: number, running: string[]) => {
      const claim = { ...deferred<ClaimedRow[]>(), max, running };
      claims.push(claim);
      return claim.promise;
    },
  } as unknown as ExecutionClaims;
  const runner = {
    run: (claimed: ClaimedRow, _workerId: string, signals: RunSignals) => {
      const done = deferred<void>();
      started.push(claimed.id);
      runs.set(claimed.id, { signals, done });
      return done.promise;
    },
    flushPublished: async () => undefined,
  } as unknown as ExecutionRunner;
  const signals = new WorkerSignals();
  const config = buildConfig(SERVICE, {
    FIREBREAK_WORKER_POLL_MS: '60000',
    FIREBREAK_WORKER_CONCURRENCY: String(concurrency),
    FIREBREAK_SHUTDOWN_GRACE_MS: '5000',
  });
  const instance = new ExecutionWorker(config, logger, executionClaims, runner, signals);
  return { worker: instance, signals, claims, runs, lines, started };
}

describe('the execution worker', () => {
  it('claims every free slot in one round as soon as it starts, and a freed slot the moment a run ends', async () => {
    const w = worker(2);
    w.worker.onApplicationBootstrap();
    await settle();
    expect(w.claims.map((c) => c.max)).toEqual([2]);
    w.claims[0].resolve([row('a'), row('b')]);
    await settle();
    expect(w.claims).toHaveLength(1);
    expect([...w.runs.keys()]).toEqual(['a', 'b']);
    w.runs.get('a')!.done.resolve();
    await settle();
    expect(w.claims.map((c) => c.max)).toEqual([2, 1]);
    w.claims[1].resolve([]);
    w.runs.get('b')!.done.resolve();
    await settle();
    w.claims.at(-1)!.resolve([]);
    await w.worker.beforeApplicationShutdown();
  });

  it('claims again at once only while every slot asked for was filled', async () => {
    const w = worker(3);
    w.worker.onApplicationBootstrap();
    await settle();
    w.claims[0].resolve([row('a'), row('b'), row('c')]);
    await settle();
    w.runs.get('a')!.done.resolve();
    await settle();
    expect(w.claims.map((c) => c.max)).toEqual([3, 1]);
    w.claims[1].resolve([row('d')]);
    await settle();
    // All three slots busy again: nothing to claim until a run ends.
    expect(w.claims).toHaveLength(2);
    w.runs.get('b')!.done.resolve();
    await settle();
    expect(w.claims.map((c) => c.max)).toEqual([3, 1, 1]);
    w.claims[2].resolve([]);
    await settle();
    // Fewer rows than free slots: nothing else is runnable now, so no claim follows without a kick.
    expect(w.claims).toHaveLength(3);
    expect([...w.runs.keys()]).toEqual(['a', 'b', 'c', 'd']);
    for (const id of ['c', 'd']) w.runs.get(id)!.done.resolve();
    await settle();
    for (const claim of w.claims) claim.resolve([]);
    await w.worker.beforeApplicationShutdown();
  });

  it('answers a kick that comes while it is claiming with another round, not with the next poll', async () => {
    const w = worker();
    w.worker.onApplicationBootstrap();
    await settle();
    w.signals.kick();
    w.claims[0].resolve([]);
    await settle();
    expect(w.claims).toHaveLength(2);
    w.claims[1].resolve([]);
    await settle();
    expect(w.claims).toHaveLength(2);
    await w.worker.beforeApplicationShutdown();
  });

  it('ignores a kick before it started: the start-up round looks anyway', async () => {
    const w = worker();
    w.signals.kick();
    await settle();
    expect(w.claims).toHaveLength(0);
    w.worker.onApplicationBootstrap();
    await settle();
    expect(w.claims).toHaveLength(1);
    w.claims[0].resolve([]);
    await w.worker.beforeApplicationShutdown();
  });

  it('logs claims failing once until they succeed again', async () => {
    const w = worker();
    w.worker.onApplicationBootstrap();
    await settle();
    w.claims[0].reject(new Error('postgres away'));
    await settle();
    w.signals.kick();
    await settle();
    w.claims[1].reject(new Error('postgres away'));
    await settle();
    w.signals.kick();
    await settle();
    w.claims[2].resolve([]);
    await settle();
    expect(w.lines.map((line) => line.level)).toEqual(['warn', 'info']);
    await w.worker.beforeApplicationShutdown();
  });

  it('on shutdown waits for the claim in flight, then hands back what runs and claims nothing more', async () => {
    const w = worker();
    w.worker.onApplicationBootstrap();
    await settle();
    w.claims[0].resolve([row('a')]);
    await settle();
    const run = w.runs.get('a')!;
    run.signals.stop.signal.addEventListener('abort', () => run.done.resolve());
    w.signals.kick();
    await settle();
    expect(w.claims).toHaveLength(2);
    let stopped = false;
    const stopping = w.worker.beforeApplicationShutdown().then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    expect(run.signals.stop.signal.aborted).toBe(false);
    w.claims[1].resolve([]);
    await stopping;
    expect(run.signals.stop.signal.aborted).toBe(true);
    expect(run.signals.cancel.signal.aborted).toBe(false);
    w.signals.kick();
    await settle();
    expect(w.claims).toHaveLength(2);
  });

  it('tells the claim which executions it runs, and never starts a second run of one it still runs', async () => {
    const w = worker(3);
    w.worker.onApplicationBootstrap();
    await settle();
    w.claims[0].resolve([row('a')]);
    await settle();
    w.signals.kick();
    await settle();
    expect(w.claims[1].running).toEqual(['a']);
    // As a claim would answer after an outage longer than the lease, had it not excluded 'a'.
    w.claims[1].resolve([row('a'), row('b')]);
    await settle();
    expect(w.started).toEqual(['a', 'b']);
    expect(w.lines.map((line) => line.msg)).toContain(
      'claimed an execution this worker is still running; leaving it to the run in progress',
    );
    for (const id of ['a', 'b']) w.runs.get(id)!.done.resolve();
    await settle();
    for (const claim of w.claims) claim.resolve([]);
    await w.worker.beforeApplicationShutdown();
  });

  it('cancels a run of this replica through the signals, once', async () => {
    const w = worker();
    w.worker.onApplicationBootstrap();
    await settle();
    w.claims[0].resolve([row('a')]);
    await settle();
    expect(w.signals.cancelLocal('a', 'wrong alert (by otto)')).toBe(true);
    expect(w.runs.get('a')!.signals.cancel.signal.reason).toBe('wrong alert (by otto)');
    expect(w.signals.cancelLocal('a', 'again')).toBe(false);
    expect(w.signals.cancelLocal('elsewhere', 'x')).toBe(false);
    w.runs.get('a')!.done.resolve();
    await settle();
    w.claims.at(-1)!.resolve([]);
    await w.worker.beforeApplicationShutdown();
  });
});
