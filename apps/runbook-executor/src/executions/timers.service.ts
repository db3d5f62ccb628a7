import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { ApprovalsService } from '../approvals/approvals.service';
import type { ExecutorConfig } from '../service';
import { VerificationService } from '../verification/verification.service';
import { ExecutionWorker } from './execution-worker';
import { ExecutionsRepository } from './executions.repository';

/**
 * The due-time rows: approval expiry and verification windows. Every replica sweeps; rows are
 * claimed with FOR UPDATE SKIP LOCKED, so each fires once. Also requeues an execution left
 * waiting for an approval that was decided while its worker was handing it back.
 */
@Injectable()
export class TimersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    @Inject(CONFIG) private readonly config: ExecutorConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly approvals: ApprovalsService,
    private readonly verification: VerificationService,
    private readonly executions: ExecutionsRepository,
    private readonly worker: ExecutionWorker,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.FIREBREAK_TIMER_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.approvals.expireDue();
      await this.verification.sweepDue();
      const orphaned = await this.executions.requeueOrphanedApprovals();
      if (orphaned) this.worker.kick();
    } catch (error) {
      this.logger.warn({ err: error }, 'timer sweep failed; will try again');
    } finally {
      this.sweeping = false;
    }
  }
}
