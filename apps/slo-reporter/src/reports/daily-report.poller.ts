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

  constructor(
    private readonly catalog: SloCatalog,
    private readonly statuses: SloStatusService,
    private readonly states: SloStateRepository,
    private readonly messaging: TransactionalMessaging,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.poller = new Poller({ name: 'slo-daily-report', intervalMs: 300_000, tick: () => this.reportDue(), logger });
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  async reportDue(): Promise<number> {
    let sent = 0;
    for (const slo of this.catalog.all) {
      const now = this.clock.now();
      const day = now.toISOString().slice(0, 10);
      const status = await this.statuses.status(slo, now);
      sent += await this.messaging.run(async (tx) => {
        const stored = await this.states.lock(tx.manager, slo.id, now);
        if (stored.lastReportDay === day) return 0;
        await this.states.markReported(tx.manager, slo.id, day);
        tx.stage('slo.report', toReport(status), { id: deriveEventId('slo.report', slo.id, 'daily', day), subject: slo.id });
        return 1;
      });
    }
    return sent;
  }
}
