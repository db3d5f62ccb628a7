import { Inject, Injectable } from '@nestjs/common';
import { Clock, CLOCK, CONFIG } from '@firebreak/platform';
import { ClaimedRow } from '../lifecycle/execution.types';
import { ExecutionsRepository } from '../lifecycle/executions.repository';
import type { ExecutorConfig } from '../service';

/**
 * A claimed execution that has not started a step yet announces its start (again after a crash before its first
 * step): its first write stages `runbooks.execution.started` ahead of its own events (DbExecutionStore).
 */
export function startsNow(row: ClaimedRow): boolean {
  return row.claims === 1 || Object.keys(row.state?.attempts ?? {}).length === 0;
}

/**
 * Claims runnable executions for a worker, several in one message to Postgres (ExecutionsRepository.claim). The
 * `started` events go with each run's first write, not with the claim: an outbox insert here made the claim a
 * transaction of five round trips, for an event that is only true once the run writes anyway.
 */
@Injectable()
export class ExecutionClaims {
  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly repo: ExecutionsRepository,
  ) {}

  /** Up to `max` executions, recovered ones first, then oldest first; none of `running`, which the worker runs now. */
  claim(workerId: string, max: number, running: string[] = []): Promise<ClaimedRow[]> {
    return this.repo.claim(
      workerId,
      this.clock.now(),
      this.config.FIREBREAK_EXECUTION_LEASE_MS,
      this.config.FIREBREAK_MAX_CONCURRENT_EXECUTIONS,
      max,
      running,
    );
  }
}
