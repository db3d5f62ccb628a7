import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import ms from 'ms';
import type { Logger } from 'pino';
import { CONFIG, LOGGER } from '@firebreak/platform';
import { MapperConfig } from '../service';
import { mapperMetrics } from '../core/metrics';
import { Poller } from '../core/poller';
import { AlertEffects } from '../lifecycle/alert-effects';
import { AlertTransactions } from '../lifecycle/alert-transactions';
import { AlertsRepository } from '../lifecycle/alerts.repository';
import { DueTimer, TimersRepository } from '../lifecycle/timers.repository';

const BATCH = 100;

/**
 * Fires due escalation timers. Each is claimed with SKIP LOCKED and deleted in the transaction
 * that stages its announcement, so it fires once whatever the number of replicas, and a timer
 * that came due while no replica ran fires on the next start.
 */
@Injectable()
export class EscalationPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly poller: Poller;

  constructor(
    private readonly transactions: AlertTransactions,
    private readonly timers: TimersRepository,
    private readonly alerts: AlertsRepository,
    @Inject(CONFIG) config: MapperConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.poller = new Poller('escalation', config.FIREBREAK_TIMER_POLL_MS, () => this.fireDue(), logger);
  }

  onApplicationBootstrap(): void {
    this.poller.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }

  async fireDue(): Promise<number> {
    let fired = 0;
    for (;;) {
      const outcome = await this.transactions.run(async (fx) => {
        const due = await this.timers.claimDue(fx.tx.manager, fx.now, BATCH);
        for (const timer of due) await this.fire(fx, timer);
        await fx.cancelEscalation(...due.map((timer) => timer.alert.fingerprint));
        return due.length;
      });
      const claimed = outcome.duplicate ? 0 : outcome.result;
      fired += claimed;
      if (claimed < BATCH) return fired;
    }
  }

  private async fire(fx: AlertEffects, timer: DueTimer): Promise<void> {
    const alert = timer.alert;
    // Ack, resolve and silence delete the timer; this only guards against a manual edit.
    if (alert.status !== 'firing') return;
    const reason = `unacknowledged for ${ms(timer.delayMs, { long: true })} (${alert.severity})`;
    await this.alerts.update(fx.writes, alert.fingerprint, { escalatedAt: fx.now });
    const next = { ...alert, escalatedAt: fx.now };
    const runbook = alert.runbook ? { id: alert.runbook.id, ...(alert.runbook.executionId ? { executionId: alert.runbook.executionId } : {}), outcome: alert.runbook.status } : undefined;
    fx.announce('escalated', next, timer.sourceId, { receivedAt: fx.now, reason, runbook });
    fx.history({ fingerprint: alert.fingerprint, sourceId: timer.sourceId, action: 'escalated', from: 'firing', to: 'firing', details: { reason, delayMs: timer.delayMs } });
    fx.count(() => mapperMetrics.escalated.inc({ reason: 'unacknowledged' }));
  }
}
