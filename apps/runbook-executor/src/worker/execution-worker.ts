import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { executorMetrics } from '../common/metrics';
import { ClaimedRow } from '../lifecycle/execution.types';
import { LocalWorker, WorkerSignals } from '../lifecycle/worker-signals';
import type { ExecutorConfig } from '../service';
import { ExecutionClaims } from './execution-claims';
import { ExecutionRunner, RunSignals } from './execution-runner';

interface Active extends RunSignals {
  done: Promise<void>;
}

/**
 * Claims executions from Postgres and runs them, up to FIREBREAK_WORKER_CONCURRENCY at a time. The
 * bus consumer only records executions, so a long runbook never holds a message; any replica (or
 * this one after a restart) picks up what is queued or whose worker died.
 */
@Injectable()
export class ExecutionWorker implements LocalWorker, OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly active = new Map<string, Active>();
  private readonly poller: Poller;
  private stopping = false;
  private kicked = false;

  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly claims: ExecutionClaims,
    private readonly runner: ExecutionRunner,
    signals: WorkerSignals,
  ) {
    this.poller = new Poller({
      name: 'execution-worker',
      intervalMs: config.FIREBREAK_WORKER_POLL_MS,
      tick: () => this.claimUntilIdle(),
      logger,
    });
    signals.attach(this);
  }

  onApplicationBootstrap(): void {
    this.poller.start();
    void this.poller.tickNow();
  }

  /** Something became runnable here (a new execution, an approval): look now rather than at the next poll. */
  kick(): void {
    // Before start the first round is still to come; after stop there is none.
    if (this.stopping || !this.poller.running) return;
    this.kicked = true;
    void this.poller.tickNow();
  }

  /** Stops a running execution at once when this replica runs it; others learn of it at their next heartbeat. */
  cancelLocal(executionId: string, reason: string): boolean {
    const active = this.active.get(executionId);
    if (!active || active.cancel.signal.aborted) return false;
    active.cancel.abort(reason);
    return true;
  }

  /** Re-runnable steps are interrupted and handed back at once; others get the grace period to finish. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.poller.stop();
    for (const active of this.active.values()) active.stop.abort();
    const all = Promise.all([...this.active.values()].map((active) => active.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, this.config.FIREBREAK_SHUTDOWN_GRACE_MS)))]);
    clearTimeout(timer);
    if (this.active.size)
      this.logger.warn({ executions: [...this.active.keys()] }, 'stopping with executions still running; another worker will recover them');
    // Before Postgres closes: rows left would be published again by a relay (JetStream drops the repeat).
    await this.runner.flushPublished();
  }

  /** A kick while claiming (a slot freed, a new execution) means one more round, so none waits for the next poll. */
  private async claimUntilIdle(): Promise<void> {
    do {
      this.kicked = false;
      await this.fill();
    } while (this.kicked && !this.stopping);
  }

  /** Claims for every free slot at once; fewer rows than asked means nothing more is runnable now. */
  private async fill(): Promise<void> {
    while (!this.stopping) {
      const free = this.config.FIREBREAK_WORKER_CONCURRENCY - this.active.size;
      if (free <= 0) return;
      const rows = await this.claims.claim(this.workerId, free, [...this.active.keys()]);
      for (const row of rows) this.start(row);
      if (rows.length < free) return;
    }
  }

  private start(row: ClaimedRow): void {
    // Never a second engine on a run this worker still runs (its lease may have run out during an outage).
    if (this.active.has(row.id)) {
      this.logger.warn({ executionId: row.id }, 'claimed an execution this worker is still running; leaving it to the run in progress');
      return;
    }
    const signals: RunSignals = { cancel: new AbortController(), stop: new AbortController() };
    const done = this.runner.run(row, this.workerId, signals).finally(() => {
      this.active.delete(row.id);
      executorMetrics.running.set(this.active.size);
      this.kick();
    });
    this.active.set(row.id, { ...signals, done });
    executorMetrics.running.set(this.active.size);
  }
}
