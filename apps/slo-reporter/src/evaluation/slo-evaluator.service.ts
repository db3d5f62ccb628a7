import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Transaction, TransactionalMessaging } from '@firebreak/bus';
import { AlertReceived, alertFingerprint, deriveEventId, Severity } from '@firebreak/contracts';
import { AppError, CLOCK, Clock, LOGGER } from '@firebreak/platform';
import { sloMetrics } from '../core/metrics';
import { SloCatalog } from '../definitions/slo-catalog';
import { SloDefinition } from '../definitions/slo-definition';
import { AlertKind, alertLabels, decide, decideUnavailable, sameLabels, severityOf, Verdict, WantedAlert } from './slo-alerts';
import { SloStateRepository, StoredAlert } from './slo-state.repository';
import { SloStatus, SloStatusService } from './slo-status.service';

export interface EvaluationOutcome {
  sloId: string;
  /** Null when the indicator could not be read (Prometheus unreachable or refusing the query). */
  status: SloStatus | null;
  /** Null when the evaluation was skipped. */
  verdict: Verdict | null;
  raised: AlertKind[];
  resolved: AlertKind[];
  /** A newer evaluation (another replica's, or one that overtook this) already saved its state. */
  skipped: boolean;
}

/** Prometheus did not answer or refused the query: the SLO's indicator cannot be read now. */
function indicatorOutage(error: unknown): string | null {
  if (error instanceof AppError && (error.code === 'prometheus_unavailable' || error.code === 'prometheus_query_failed'))
    return error.message;
  return null;
}

/**
 * Evaluates SLOs and raises or resolves their alerts through alerts.received, like any alert source, so
 * dedup, routing, runbooks and escalation apply. The change of alerts and state, and the events that
 * announce it, commit together under the SLO's row lock: replicas evaluating at once announce once,
 * an evaluation older than the stored state is dropped (its status was computed before the lock, so it
 * would undo a newer one), and event ids derive from fingerprint, status and start, so a retried publish
 * is dropped by JetStream. Each alert row keeps the labels it fired with: it resolves with them, also
 * when the SLO's labels or service changed or the SLO left slos.yaml.
 */
@Injectable()
export class SloEvaluator {
  /** SLOs whose indicator could not be read at the last evaluation: logged once per streak. */
  private readonly unreadable = new Set<string>();

  constructor(
    private readonly catalog: SloCatalog,
    private readonly statuses: SloStatusService,
    private readonly states: SloStateRepository,
    private readonly messaging: TransactionalMessaging,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async evaluateAll(): Promise<EvaluationOutcome[]> {
    try {
      await this.resolveOrphans();
    } catch (error) {
      this.logger.warn({ err: error }, 'could not resolve the alerts of removed or renamed SLOs; the next evaluation retries');
    }
    const outcomes: EvaluationOutcome[] = [];
    for (const slo of this.catalog.all) {
      try {
        outcomes.push(await this.evaluate(slo));
      } catch (error) {
        // One SLO that cannot be evaluated must not stop the others; its alerts stay as they were.
        this.logger.warn({ slo: slo.id, err: error }, 'SLO evaluation failed; its alerts are left as they were');
      }
    }
    return outcomes;
  }

  /**
   * Resolves, with the labels they fired with, the firing alerts of SLOs no longer in slos.yaml and those
   * whose labels changed (another `labels`, `service`): their fingerprint would otherwise never resolve.
   * Runs at start-up and before each round of evaluations; an alert still wanted fires again under its
   * new labels at the next evaluation. Returns how many it resolved.
   */
  async resolveOrphans(): Promise<number> {
    let count = 0;
    for (const sloId of await this.states.withFiringAlerts()) {
      const slo = this.catalog.all.find((candidate) => candidate.id === sloId);
      count += await this.messaging.run(async (tx) => {
        // The state row first, as evaluate() takes them: the same lock order, no deadlock.
        await this.states.lockExisting(tx.manager, sloId);
        const now = this.clock.now();
        let resolved = 0;
        for (const alert of await this.states.alertsOf(tx.manager, sloId)) {
          if (!alert.firing || (slo && sameLabels(alert.labels, alertLabels(slo, alert.kind)))) continue;
          this.resolve(tx, sloId, alert, now, slo ? 'its labels changed' : 'the SLO was removed');
          await this.states.saveAlert(tx.manager, sloId, { ...alert, firing: false }, now);
          resolved++;
        }
        return resolved;
      });
    }
    if (count > 0) this.logger.info({ resolved: count }, 'resolved the alerts of removed or relabelled SLOs');
    return count;
  }

  async evaluate(slo: SloDefinition): Promise<EvaluationOutcome> {
    const now = this.clock.now();
    let status: SloStatus | null = null;
    let outage: string | null = null;
    try {
      status = await this.statuses.status(slo, now);
      if (this.unreadable.delete(slo.id)) this.logger.info({ slo: slo.id }, 'SLO indicator readable again');
    } catch (error) {
      outage = indicatorOutage(error);
      if (outage === null) throw error;
      if (!this.unreadable.has(slo.id)) this.logger.warn({ slo: slo.id, err: error }, 'SLO indicator cannot be read');
      this.unreadable.add(slo.id);
    }
    if (status) {
      for (const burn of status.burnRates) if (burn.rate !== null) sloMetrics.burnRate.set({ slo: slo.id, window: burn.window }, burn.rate);
      if (status.budget) sloMetrics.budgetRemaining.set({ slo: slo.id }, status.budget.remainingRatio);
    }

    return this.messaging.run(async (tx) => {
      const stored = await this.states.lock(tx.manager, slo.id, now);
      if (stored.updatedAt.getTime() > now.getTime())
        return { sloId: slo.id, status, verdict: null, raised: [], resolved: [], skipped: true };
      const existing = new Map((await this.states.alertsOf(tx.manager, slo.id)).map((alert) => [alert.kind, alert]));
      const resolved: AlertKind[] = [];
      // An alert whose labels changed is another alert: resolve the old one (it may fire again below).
      for (const alert of existing.values()) {
        if (!alert.firing || sameLabels(alert.labels, alertLabels(slo, alert.kind))) continue;
        this.resolve(tx, slo.id, alert, now, 'its labels changed');
        await this.states.saveAlert(tx.manager, slo.id, { ...alert, firing: false }, now);
        existing.set(alert.kind, { ...alert, firing: false });
        resolved.push(alert.kind);
      }
      const firingKinds = [...existing.values()].filter((alert) => alert.firing).map((alert) => alert.kind);
      const lastDataAt = status?.hasData ? now : stored.lastDataAt;
      const verdict = status
        ? decide(status, now.getTime() - stored.firstEvaluatedAt.getTime())
        : decideUnavailable(
            slo,
            { state: stored.state, tier: stored.tier, firing: firingKinds },
            now.getTime() - (lastDataAt ?? stored.firstEvaluatedAt).getTime(),
            outage!,
          );
      const raised: AlertKind[] = [];
      for (const wanted of verdict.firing) {
        if (existing.get(wanted.kind)?.firing) continue;
        const alert: StoredAlert = { kind: wanted.kind, firing: true, startsAt: now, labels: wanted.labels };
        await this.states.saveAlert(tx.manager, slo.id, alert, now);
        this.stageAlert(tx, wanted, alert, now);
        raised.push(wanted.kind);
        if (wanted.kind !== 'no-data') sloMetrics.violations.inc({ slo: slo.id });
      }
      const wantedKinds = new Set(verdict.firing.map((wanted) => wanted.kind));
      for (const alert of existing.values()) {
        if (!alert.firing || wantedKinds.has(alert.kind)) continue;
        await this.states.saveAlert(tx.manager, slo.id, { ...alert, firing: false }, now);
        this.resolve(tx, slo.id, alert, now, 'cleared');
        resolved.push(alert.kind);
      }
      const budgetRemaining = status ? (status.budget?.remainingRatio ?? null) : stored.budgetRemaining;
      await this.states.save(tx.manager, slo.id, { state: verdict.state, tier: verdict.tier, budgetRemaining, lastDataAt, now });
      if (verdict.state !== stored.state) {
        tx.stage(
          'slo.budget.changed',
          {
            sloId: slo.id,
            service: slo.service,
            state: verdict.state,
            previousState: stored.state,
            tier: verdict.tier,
            errorBudgetRemaining: budgetRemaining,
            at: now.toISOString(),
          },
          { id: deriveEventId('slo.budget.changed', slo.id, stored.state, verdict.state, now.toISOString()), subject: slo.id },
        );
      }
      return { sloId: slo.id, status, verdict, raised, resolved, skipped: false };
    });
  }

  /** Stages the resolution of a stored alert with the labels it fired with, so its fingerprint matches. */
  private resolve(tx: Transaction, sloId: string, alert: StoredAlert, now: Date, why: string): void {
    const wanted: WantedAlert = {
      kind: alert.kind,
      severity: (alert.labels.severity as Severity | undefined) ?? severityOf(alert.kind),
      labels: alert.labels,
      annotations: { summary: `SLO ${sloId}: ${alert.kind} resolved (${why})` },
    };
    this.stageAlert(tx, wanted, { ...alert, firing: false }, now);
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
