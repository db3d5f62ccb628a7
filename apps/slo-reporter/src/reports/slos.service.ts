import { Inject, Injectable } from '@nestjs/common';
import { TransactionalMessaging } from '@firebreak/bus';
import { deriveEventId, SloReport } from '@firebreak/contracts';
import { AppError, CLOCK, Clock } from '@firebreak/platform';
import { SloCatalog } from '../definitions/slo-catalog';
import { SloStateRepository } from '../evaluation/slo-state.repository';
import { SloStatus, SloStatusService } from '../evaluation/slo-status.service';
import { IndicatorService } from '../indicators/indicator.service';
import { prometheusRules } from '../rules/prometheus-rules';

const STEPS = { '1h': 3_600_000, '6h': 21_600_000, '1d': 86_400_000 } as const;

/** The SLO API: status, budget and burn per SLO, a chart series, rules, and slo.report events. */
@Injectable()
export class SlosService {
  constructor(
    private readonly catalog: SloCatalog,
    private readonly statuses: SloStatusService,
    private readonly states: SloStateRepository,
    private readonly indicators: IndicatorService,
    private readonly messaging: TransactionalMessaging,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list() {
    const now = this.clock.now();
    const firing = await this.states.firing();
    const items = [];
    for (const slo of this.catalog.all) items.push(this.view(await this.statuses.status(slo, now), firing));
    return { items };
  }

  async detail(id: string, step: keyof typeof STEPS) {
    const slo = this.catalog.get(id);
    const now = this.clock.now();
    const status = await this.statuses.status(slo, now);
    const stepMs = STEPS[step];
    // Whole steps, so each point covers the same length; the last one ends now.
    const from = new Date(now.getTime() - Math.ceil((now.getTime() - status.from.getTime()) / stepMs) * stepMs);
    const series = await this.indicators.series(slo, from, now, stepMs);
    return { ...this.view(status, await this.states.firing()), series: { step, points: series } };
  }

  rules(id: string): string {
    const result = prometheusRules(this.catalog.get(id));
    if ('problem' in result) throw new AppError('not_a_prometheus_slo', result.problem, 422);
    return result.text;
  }

  /** Publishes slo.report for one SLO now (on demand); the id is per SLO and minute, so a double click reports once. */
  async report(id: string): Promise<SloReport> {
    const slo = this.catalog.get(id);
    const now = this.clock.now();
    const report = toReport(await this.statuses.status(slo, now));
    await this.messaging.run(async (tx) => {
      tx.stage('slo.report', report, {
        id: deriveEventId('slo.report', slo.id, 'demand', now.toISOString().slice(0, 16)),
        subject: slo.id,
      });
    });
    return report;
  }

  private view(status: SloStatus, firing: Array<{ sloId: string; kind: string; startsAt: Date }>) {
    const { slo } = status;
    const alerts = firing.filter((alert) => alert.sloId === slo.id);
    return {
      id: slo.id,
      displayName: slo.displayName,
      service: slo.service,
      description: slo.description,
      objective: slo.objective,
      window: slo.window.text,
      budgetingMethod: slo.budgeting,
      source: slo.indicator.source,
      status: statusWord(
        status,
        alerts.map((alert) => alert.kind),
      ),
      compliance: status.compliance,
      events: status.counts,
      errorBudget: status.budget,
      burnRates: status.burnRates.map(({ window, rate, total }) => ({ window, rate, events: total })),
      tiers: status.tiers.map((verdict) => ({
        tier: verdict.tier.id,
        factor: verdict.tier.factor,
        longWindow: status.burnRates.find((burn) => burn.windowMs === verdict.tier.longMs)?.window,
        shortWindow: status.burnRates.find((burn) => burn.windowMs === verdict.tier.shortMs)?.window,
        longBurn: verdict.longBurn,
        shortBurn: verdict.shortBurn,
        firing: verdict.firing,
        guardedByMinEvents: verdict.guarded,
      })),
      alerts: alerts.map((alert) => ({ kind: alert.kind, since: alert.startsAt.toISOString() })),
    };
  }
}

function statusWord(status: SloStatus, firingKinds: string[]): string {
  if (firingKinds.includes('no-data')) return 'no_data';
  if (status.budget && status.budget.remaining <= 0) return 'exhausted';
  if (status.tiers.some((verdict) => verdict.firing)) return 'burning';
  if (status.counts === null || status.counts.total === 0) return 'no_data';
  return 'ok';
}

export function toReport(status: SloStatus): SloReport {
  const { slo } = status;
  return {
    sloId: slo.id,
    service: slo.service,
    objective: slo.objective,
    window: slo.window.text,
    compliance: status.compliance,
    errorBudgetRemaining: status.budget?.remainingRatio ?? null,
    burnRates: status.burnRates.map(({ window, rate }) => ({ window, rate })),
    at: status.at.toISOString(),
  };
}
