import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { asPostgresOutage, Transaction, TransactionalMessaging } from '@firebreak/bus';
import { deriveEventId, DetectorResult } from '@firebreak/contracts';
import { AuditLog, Clock, CLOCK, CONFIG } from '@firebreak/platform';
import { CheckRunner } from '../checks/check-runner';
import { CheckOutcome } from '../checks/check.types';
import { Detector, DETECTORS, DetectorCatalog } from '../definitions/detector-config';
import { DetectorConfig } from '../service';
import { alertEvent, alertLabels, detectorFingerprint, firingAlertOf, isStaleAlert, renderAnnotations } from './alert-event';
import { applyRun, HysteresisState, INITIAL_STATE } from './hysteresis';
import { detectorMetrics } from './metrics';
import { RunSlots } from './run-slots';
import { FiringAlert, RunsRepository, StoredState } from './runs.repository';

/** One stored run and what it did. */
export interface RunRecord {
  runId: string;
  detector: Detector;
  trigger: 'schedule' | 'manual';
  tick: Date;
  startedAt: Date;
  durationMs: number;
  outcome: CheckOutcome;
  fingerprint: string;
  alert: 'raised' | 'resolved' | null;
}

/**
 * What a scheduled tick came to: `stored` (this replica ran it), `done` (stored before, by anyone),
 * `busy` (another replica's claim is live: the tick stays due here until some replica stored it).
 */
export type TickResult = { kind: 'stored'; record: RunRecord } | { kind: 'done' } | { kind: 'busy' };

const RESULT_STATUS = { pass: 'ok', fail: 'failing', error: 'error' } as const;

/** How long past its timeout a claim stays another replica's before it may be taken over (the store after the check). */
export const CLAIM_GRACE_MS = 30_000;

/**
 * Runs a detector once and keeps what it found. The check runs outside any transaction: a scheduled
 * tick is claimed first by a committed 'running' row (short statement), then checked, then the run
 * row, the detector's hysteresis state and its events (`detectors.result`, and `alerts.received`
 * when the alert is raised or resolved) commit in one transaction, the events through the outbox.
 * A crash between the two leaves the claim 'running' until `claimed_until`, when any replica takes
 * the tick over. Every run, scheduled or asked for, takes one of FIREBREAK_DETECTOR_CONCURRENCY slots.
 *
 * A check that could not reach Firebreak's own Postgres throws DependencyUnavailableError: nothing is
 * stored for it, the claim is given back, and it never counts as the detector failing.
 */
@Injectable()
export class DetectorRunsService {
  private readonly slots: RunSlots;

  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly repository: RunsRepository,
    private readonly runner: CheckRunner,
    private readonly audit: AuditLog,
    private readonly dataSource: DataSource,
    @Inject(DETECTORS) private readonly catalog: DetectorCatalog,
    @Inject(CONFIG) config: DetectorConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.slots = new RunSlots(config.FIREBREAK_DETECTOR_CONCURRENCY);
  }

  /** The scheduled run of `tick`, unless it was stored already or another replica's claim on it is live. */
  runTick(detector: Detector, tick: Date): Promise<TickResult> {
    return this.slots.use(async () => {
      const token = randomUUID();
      const startedAt = this.clock.now();
      const until = new Date(startedAt.getTime() + detector.timeoutMs + CLAIM_GRACE_MS);
      const claim = await this.ownDatabase(() =>
        this.repository.claimTick(this.dataSource.manager, {
          detectorId: detector.id,
          tick,
          runId: deriveEventId('detector-run', detector.id, tick.toISOString()),
          startedAt,
          token,
          until,
        }),
      );
      if (claim.kind !== 'claimed') return claim;
      const runId = claim.runId;
      let measured: { outcome: CheckOutcome; durationMs: number };
      try {
        measured = await this.measure(detector, startedAt);
      } catch (error) {
        // Only DependencyUnavailableError gets here (a check never throws otherwise): give the tick back.
        await this.repository.releaseClaim(this.dataSource.manager, runId, token).catch(() => undefined);
        throw error;
      }
      const record = await this.messaging.run(async (tx) => {
        // Taken over while we checked (we overran the claim): the other replica's run is the tick's.
        if (!(await this.repository.holdsClaim(tx.manager, runId, token))) return null;
        return this.store(tx, detector, { runId, trigger: 'schedule', tick, startedAt }, measured);
      });
      if (!record) return { kind: 'busy' };
      this.count(record);
      return { kind: 'stored', record };
    });
  }

  /** A run asked for through the API, now, outside the schedule; it counts toward the thresholds like any run. */
  runNow(detector: Detector, actor: string): Promise<RunRecord> {
    return this.slots.use(async () => {
      const runId = randomUUID();
      const startedAt = this.clock.now();
      const measured = await this.measure(detector, startedAt);
      const record = await this.messaging.run(async (tx) => {
        await this.repository.insertManual(tx.manager, detector.id, runId, startedAt, actor);
        await this.audit.record({ actor, action: 'detector.run', target: detector.id, details: { runId } }, tx.manager);
        return this.store(tx, detector, { runId, trigger: 'manual', tick: startedAt, startedAt }, measured);
      });
      this.count(record);
      return record;
    });
  }

  /**
   * Resolves, once, every firing alert that no longer belongs to a definition (detector removed,
   * disabled, or relabelled: another fingerprint), from the labels it was raised with. A relabelled
   * detector keeps its failure streak, so its new alert fires on its next failing run, and only then.
   */
  async resolveStaleAlerts(): Promise<number> {
    const firing = await this.ownDatabase(() => this.repository.alerting(this.dataSource.manager));
    let resolved = 0;
    for (const row of firing) {
      const detector = this.catalog.byId.get(row.detectorId);
      if (detector?.enabled && row.fingerprint === detectorFingerprint(detector)) continue;
      const done = await this.messaging.run(async (tx) => {
        const stored = await this.repository.lockState(tx.manager, row.detectorId);
        if (!stored.firing || !isStaleAlert(stored.firing, detector)) return false;
        this.stageResolution(tx, stored.firing, stored, this.clock.now());
        const state: HysteresisState = detector?.enabled ? { ...stored, alerting: false, alertStartsAt: null } : INITIAL_STATE;
        await this.repository.saveState(tx.manager, row.detectorId, state, null, null);
        return true;
      });
      if (done) {
        detectorMetrics.alerts.inc({ detector: row.detectorId, status: 'resolved' });
        resolved++;
      }
    }
    return resolved;
  }

  private async measure(detector: Detector, startedAt: Date): Promise<{ outcome: CheckOutcome; durationMs: number }> {
    const began = performance.now();
    const outcome = await this.runner.run(detector, startedAt);
    return { outcome, durationMs: performance.now() - began };
  }

  private async store(
    tx: Transaction,
    detector: Detector,
    run: { runId: string; trigger: 'schedule' | 'manual'; tick: Date; startedAt: Date },
    { outcome, durationMs }: { outcome: CheckOutcome; durationMs: number },
  ): Promise<RunRecord> {
    const now = this.clock.now();
    const stored = await this.repository.lockState(tx.manager, detector.id);
    let alert: RunRecord['alert'] = null;
    // A run that started before the one last applied (a slow check overtaken) is stored, not applied:
    // the state never moves backwards.
    if (!stored.lastStartedAt || stored.lastStartedAt <= run.startedAt) {
      let before: HysteresisState = stored;
      let firing: FiringAlert | null = stored.firing;
      if (isStaleAlert(firing, detector)) {
        // Relabelled since it fired (the sweep has not got to it yet): resolve the old alert first.
        this.stageResolution(tx, firing!, stored, now);
        before = { ...stored, alerting: false, alertStartsAt: null };
        firing = null;
      }
      const { state, transition } = applyRun(before, outcome, detector, run.startedAt);
      if (transition?.kind === 'raise') {
        firing = firingAlertOf(detector, outcome);
        const event = alertEvent(firing, { status: 'firing', startsAt: transition.startsAt, endsAt: null }, now);
        tx.stage('alerts.received', event.data, { id: event.id, subject: event.data.alert.fingerprint });
        alert = 'raised';
      } else if (transition?.kind === 'resolve') {
        // The stored alert's identity (labels, fingerprint), with annotations telling how it recovered.
        const raised = firing ?? firingAlertOf(detector, outcome);
        const resolution = { ...raised, annotations: renderAnnotations(detector, outcome) };
        const event = alertEvent(resolution, { status: 'resolved', startsAt: transition.startsAt, endsAt: transition.endsAt }, now);
        tx.stage('alerts.received', event.data, { id: event.id, subject: event.data.alert.fingerprint });
        firing = null;
        alert = 'resolved';
      }
      await this.repository.saveState(tx.manager, detector.id, state, state.alerting ? firing : null, {
        runId: run.runId,
        startedAt: run.startedAt,
      });
    }
    await this.repository.complete(tx.manager, run.runId, outcome, durationMs, alert);
    const result: DetectorResult = {
      detectorId: detector.id,
      runId: run.runId,
      kind: detector.type,
      status: RESULT_STATUS[outcome.status],
      value: outcome.value !== null && Number.isFinite(outcome.value) ? outcome.value : null,
      message: outcome.message,
      startedAt: run.startedAt.toISOString(),
      durationMs: Math.round(durationMs),
      labels: alertLabels(detector),
    };
    tx.stage('detectors.result', result, { id: deriveEventId('detector-result', run.runId), subject: detector.id });
    return { ...run, detector, durationMs, outcome, fingerprint: detectorFingerprint(detector), alert };
  }

  /** The resolution of an alert raised under labels the definition no longer has, from what was stored when it fired. */
  private stageResolution(tx: Transaction, firing: FiringAlert, stored: StoredState, now: Date): void {
    const startsAt = stored.alertStartsAt ?? stored.failingSince ?? now;
    const event = alertEvent(firing, { status: 'resolved', startsAt, endsAt: now }, now);
    tx.stage('alerts.received', event.data, { id: event.id, subject: firing.fingerprint });
  }

  /** A statement on Firebreak's own Postgres outside messaging.run: an outage is DependencyUnavailableError, as there. */
  private async ownDatabase<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw asPostgresOutage(error);
    }
  }

  private count(record: RunRecord): void {
    detectorMetrics.checks.inc({ detector: record.detector.id, result: record.outcome.status });
    detectorMetrics.duration.observe({ detector: record.detector.id }, record.durationMs / 1000);
    if (record.alert)
      detectorMetrics.alerts.inc({ detector: record.detector.id, status: record.alert === 'raised' ? 'firing' : 'resolved' });
  }
}
