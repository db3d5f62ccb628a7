import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { TransactionalMessaging } from '@firebreak/bus';
import { deriveEventId } from '@firebreak/contracts';
import { CLOCK, Clock, LOGGER, Poller } from '@firebreak/platform';
import { SloCatalog } from '../definitions/slo-catalog';
import { SloStateRepository } from '../evaluation/slo-state.repository';
import { SloStatusService } from '../evaluation/slo-status.service';
import { toReport } from './slos.service';

/**
 * One slo.report per SLO and UTC day: the day is recorded under the SLO's row lock with the report,
 * so replicas and restarts report each day once.
 */
@Injectable()
export class DailyReportPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;
  /** SLOs whose report failed at the last try: logged once per streak. */
  private readonly failing = new Set<string>();

  constructor(
    private readonly catalog: SloCatalog,
    private readonly statuses: SloStatusService,
    private readonly states: SloStateRepository,
    private readonly messaging: TransactionalMessaging,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.poller = new Poller({ name: 'slo-daily-report', intervalMs: 300_000, tick: () => this.reportDue(), logger });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  /**
   * Sends the day's report of every SLO not reported yet today. The day is checked before the status is
   * computed (a reported SLO costs one read, not a full status every 5 minutes) and again under the row
   * lock. One SLO that fails (its Prometheus is away) does not hold back the others; it is retried next tick
   * and logged once per streak.
   */
  async reportDue(): Promise<number> {
    let sent = 0;
    const reported = await this.states.reportedDays();
    for (const slo of this.catalog.all) {
      const now = this.clock.now();
      const day = now.toISOString().slice(0, 10);
      if (reported.get(slo.id) === day) continue;
      try {
        const status = await this.statuses.status(slo, now);
        sent += await this.messaging.run(async (tx) => {
          const stored = await this.states.lock(tx.manager, slo.id, now);
          if (stored.lastReportDay === day) return 0;
          await this.states.markReported(tx.manager, slo.id, day);
          tx.stage('slo.report', toReport(status), { id: deriveEventId('slo.report', slo.id, 'daily', day), subject: slo.id });
          return 1;
        });
        if (this.failing.delete(slo.id)) this.logger.info({ slo: slo.id }, 'daily SLO report sent again');
      } catch (error) {
        if (!this.failing.has(slo.id)) this.logger.warn({ slo: slo.id, err: error }, 'daily SLO report failed; retried every 5 minutes');
        this.failing.add(slo.id);
      }
    }
    return sent;
  }
}
