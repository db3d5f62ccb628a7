import { Inject, Injectable } from '@nestjs/common';
import { TransactionalMessaging } from '@firebreak/bus';
import { Clock, CLOCK, CONFIG } from '@firebreak/platform';
import { executionEvents } from '../lifecycle/execution-events';
import { ClaimedRow } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import type { ExecutorConfig } from '../service';

/** A claimed execution that has not started a step yet announces its start (again after a crash before its first step). */
export function startsNow(row: ClaimedRow): boolean {
  return row.claims === 1 || Object.keys(row.state?.attempts ?? {}).length === 0;
}

/** Claims runnable executions for a worker, several in one transaction with their `runbooks.execution.started` events. */
@Injectable()
export class ExecutionClaims {
  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly messaging: TransactionalMessaging,
    private readonly repo: ExecutionsRepository,
  ) {}

  /** Up to `max` executions, recovered ones first, then oldest first; none of `running`, which the worker runs now. */
  async claim(workerId: string, max: number, running: string[] = []): Promise<ClaimedRow[]> {
    const now = this.clock.now();
    return this.messaging.run(async (tx) => {
      const rows = await this.repo.claim(
        tx.manager,
        workerId,
        now,
        this.config.FIREBREAK_EXECUTION_LEASE_MS,
        this.config.FIREBREAK_MAX_CONCURRENT_EXECUTIONS,
        max,
        running,
      );
      // Published once the claim commits, so before any step event; the id is derived, so a repeat after a crash is dropped.
      for (const row of rows) if (startsNow(row)) executionEvents.started(tx, row, row.started_at ?? now);
      return rows;
    });
  }
}
