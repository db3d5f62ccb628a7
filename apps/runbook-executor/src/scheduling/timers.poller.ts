import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONFIG, LOGGER, Poller } from '@firebreak/platform';
import { ApprovalsService } from '../approvals/approvals.service';
import type { ExecutorConfig } from '../service';
import { AlertStatesPruner } from '../verification/alert-states-pruner';
import { VerificationService } from '../verification/verification.service';

/**
 * The due-time rows: approval expiry and verification windows. Every replica sweeps; rows are
 * claimed with FOR UPDATE SKIP LOCKED, so each fires once. Also requeues an execution left
 * waiting for an approval that was decided while its worker was handing it back, and now and
 * then prunes the states of alerts resolved long ago (AlertStatesPruner).
 */
@Injectable()
export class TimersPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;

  constructor(
    @Inject(CONFIG) config: ExecutorConfig,
    @Inject(LOGGER) logger: Logger,
    private readonly approvals: ApprovalsService,
    private readonly verification: VerificationService,
    private readonly alertStates: AlertStatesPruner,
  ) {
    this.poller = new Poller({ name: 'runbook-timers', intervalMs: config.FIREBREAK_TIMER_INTERVAL_MS, tick: () => this.sweep(), logger });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  /** Before the database closes, so a sweep in flight finishes against it. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  private async sweep(): Promise<void> {
    await this.approvals.expireDue();
    await this.verification.sweepDue();
    await this.approvals.requeueOrphaned();
    await this.alertStates.pruneIfDue();
  }
}
