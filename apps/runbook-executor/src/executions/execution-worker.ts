import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { Clock, CLOCK } from '../common/clock';
import { executorMetrics } from '../common/metrics';
import type { ExecutorConfig } from '../service';
import { ExecutionRunner, RunSignals } from './execution-runner';
import { ExecutionsRepository } from './executions.repository';

interface Active extends RunSignals {
  done: Promise<void>;
}

/**
 * Claims executions from Postgres and runs them, up to FIREBREAK_WORKER_CONCURRENCY at a time. The
 * bus consumer only records executions, so a long runbook never holds a message; any replica (or
 * this one after a restart) picks up what is queued or whose worker died.
 */
@Injectable()
export class ExecutionWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly active = new Map<string, Active>();
  private stopping = false;
  private kicked = false;
  private wake?: () => void;
  private loopDone?: Promise<void>;

  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repo: ExecutionsRepository,
    private readonly runner: ExecutionRunner,
  ) {}

  onApplicationBootstrap(): void {
    this.loopDone = this.loop();
  }

  /** Something became runnable here (a new execution, an approval): look now rather than at the next poll. */
  kick(): void {
    this.kicked = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Stops a running execution at once when this replica runs it; others learn of it at their next heartbeat. */
  cancelLocal(executionId: string, reason: string): boolean {
    const active = this.active.get(executionId);
    if (!active || active.cancel.signal.aborted) return false;
    active.cancel.abort(reason);
    return true;
  }

  get runningCount(): number {
    return this.active.size;
  }

  /** Re-runnable steps are interrupted and handed back at once; others get the grace period to finish. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.kick();
    await this.loopDone;
    for (const active of this.active.values()) active.stop.abort();
    const all = Promise.all([...this.active.values()].map((active) => active.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, this.config.FIREBREAK_SHUTDOWN_GRACE_MS)))]);
    clearTimeout(timer);
    if (this.active.size) this.logger.warn({ executions: [...this.active.keys()] }, 'stopping with executions still running; another worker will recover them');
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.kicked = false;
      await this.fill();
      if (this.stopping) break;
      if (this.kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.config.FIREBREAK_WORKER_POLL_MS);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private async fill(): Promise<void> {
    while (!this.stopping && this.active.size < this.config.FIREBREAK_WORKER_CONCURRENCY) {
      let row;
      try {
        row = await this.repo.claim(this.workerId, this.clock.now(), this.config.FIREBREAK_EXECUTION_LEASE_MS, this.config.FIREBREAK_MAX_CONCURRENT_EXECUTIONS);
      } catch (error) {
        this.logger.warn({ err: error }, 'could not claim executions; will try again');
        return;
      }
      if (!row) return;
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
}
