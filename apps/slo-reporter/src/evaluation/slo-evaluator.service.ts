import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Transaction, TransactionalMessaging } from '@firebreak/bus';
import { AlertReceived, alertFingerprint, deriveEventId } from '@firebreak/contracts';
import { CLOCK, Clock, LOGGER } from '@firebreak/platform';
import { sloMetrics } from '../core/metrics';
import { SloCatalog } from '../definitions/slo-catalog';
import { SloDefinition } from '../definitions/slo-definition';
import { AlertKind, alertLabels, decide, severityOf, Verdict, WantedAlert } from './slo-alerts';
import { SloStateRepository, StoredAlert } from './slo-state.repository';
import { SloStatus, SloStatusService } from './slo-status.service';

export interface EvaluationOutcome {
  sloId: string;
  status: SloStatus;
  verdict: Verdict;
  raised: AlertKind[];
  resolved: AlertKind[];
}

/**
 * Evaluates SLOs and raises or resolves their alerts through alerts.received, like any alert source, so
 * dedup, routing, runbooks and escalation apply. The change of alerts and state, and the events that
 * announce it, commit together under the SLO's row lock: replicas evaluating at once announce once,
 * and event ids derive from fingerprint, status and start, so a retried publish is dropped by JetStream.
 */
@Injectable()
export class SloEvaluator {
  constructor(
    private readonly catalog: SloCatalog,
    private readonly statuses: SloStatusService,
    private readonly states: SloStateRepository,
    private readonly messaging: TransactionalMessaging,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async evaluateAll(): Promise<EvaluationOutcome[]> {
    const outcomes: EvaluationOutcome[] = [];
    for (const slo of this.catalog.all) {
      try {
        outcomes.push(await this.evaluate(slo));
      } catch (error) {
        // One SLO whose Prometheus is away must not stop the others; its alerts stay as they were.
        this.logger.warn({ slo: slo.id, err: error }, 'SLO evaluation failed; its alerts are left as they were');
      }
    }
    return outcomes;
  }

  async evaluate(slo: SloDefinition): Promise<EvaluationOutcome> {
    const now = this.clock.now();
    const status = await this.statuses.status(slo, now);
    for (const burn of status.burnRates) if (burn.rate !== null) sloMetrics.burnRate.set({ slo: slo.id, window: burn.window }, burn.rate);
    if (status.budget) sloMetrics.budgetRemaining.set({ slo: slo.id }, status.budget.remainingRatio);

    return this.messaging.run(async (tx) => {
      const stored = await this.states.lock(tx.manager, slo.id, now);
      const lastDataAt = status.hasData ? now : stored.lastDataAt;
      const noDataForMs = now.getTime() - (lastDataAt ?? stored.firstEvaluatedAt).getTime();
      const verdict = decide(status, noDataForMs);
      const existing = new Map((await this.states.alertsOf(tx.manager, slo.id)).map((alert) => [alert.kind, alert]));
      const raised: AlertKind[] = [];
      const resolved: AlertKind[] = [];
      for (const wanted of verdict.firing) {
        if (existing.get(wanted.kind)?.firing) continue;
        const alert: StoredAlert = { kind: wanted.kind, firing: true, startsAt: now };
        await this.states.saveAlert(tx.manager, slo.id, alert, now);
        this.stageAlert(tx, wanted, alert, now);
        raised.push(wanted.kind);
        if (wanted.kind !== 'no-data') sloMetrics.violations.inc({ slo: slo.id });
      }
      const wantedKinds = new Set(verdict.firing.map((wanted) => wanted.kind));
      for (const alert of existing.values()) {
        if (!alert.firing || wantedKinds.has(alert.kind)) continue;
        await this.states.saveAlert(tx.manager, slo.id, { ...alert, firing: false }, now);
        this.stageAlert(tx, this.describe(status, alert.kind), { ...alert, firing: false }, now);
        resolved.push(alert.kind);
      }
      await this.states.save(tx.manager, slo.id, {
        state: verdict.state,
        tier: verdict.tier,
        budgetRemaining: status.budget?.remainingRatio ?? null,
        lastDataAt,
        now,
      });
      if (verdict.state !== stored.state) {
        tx.stage(
          'slo.budget.changed',
          {
            sloId: slo.id,
            service: slo.service,
            state: verdict.state,
            previousState: stored.state,
            tier: verdict.tier,
            errorBudgetRemaining: status.budget?.remainingRatio ?? null,
            at: now.toISOString(),
          },
          { id: deriveEventId('slo.budget.changed', slo.id, stored.state, verdict.state, now.toISOString()), subject: slo.id },
        );
      }
      return { sloId: slo.id, status, verdict, raised, resolved };
    });
  }

  /** A resolved alert carries the labels it fired with, so its fingerprint matches. */
  private describe(status: SloStatus, kind: AlertKind): WantedAlert {
    const severity = severityOf(kind);
    return {
      kind,
      severity,
      labels: alertLabels(status, kind, severity),
      annotations: { summary: `SLO ${status.slo.id}: ${kind} cleared` },
    };
  }

  private stageAlert(tx: Transaction, wanted: WantedAlert, alert: StoredAlert, now: Date): void {
    const fingerprint = alertFingerprint(wanted.labels);
    const status = alert.firing ? 'firing' : 'resolved';
    const data: AlertReceived = {
      source: 'slo',
      receivedAt: now.toISOString(),
      alert: {
        fingerprint,
        status,
        labels: wanted.labels,
        annotations: wanted.annotations,
        severity: wanted.severity,
        startsAt: alert.startsAt.toISOString(),
        endsAt: alert.firing ? null : now.toISOString(),
        generatorURL: `/api/v1/slos/${encodeURIComponent(wanted.labels.slo)}`,
      },
    };
    tx.stage('alerts.received', data, { id: deriveEventId('slo-alert', fingerprint, status, data.alert.startsAt), subject: fingerprint });
  }
}
