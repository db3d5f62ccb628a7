import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { TransactionalMessaging, Transaction } from '@firebreak/bus';
import { deriveEventId, DetectorResult } from '@firebreak/contracts';
import { AuditLog, Clock, CLOCK } from '@firebreak/platform';
import { CheckRunner } from '../checks/check-runner';
import { CheckOutcome } from '../checks/check.types';
import { Detector } from '../definitions/detector-config';
import { alertLabels, detectorAlertEvent, detectorFingerprint } from './alert-event';
import { applyRun } from './hysteresis';
import { detectorMetrics } from './metrics';
import { RunsRepository } from './runs.repository';

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

const RESULT_STATUS = { pass: 'ok', fail: 'failing', error: 'error' } as const;

/**
 * Runs a detector once and keeps what it found: the run row (the tick's claim), the detector's
 * hysteresis state, and its events (`detectors.result`, and `alerts.received` when the alert is
 * raised or resolved) all commit in one transaction, the events through the outbox.
 */
@Injectable()
export class DetectorRunsService {
  constructor(
    private readonly messaging: TransactionalMessaging,
    private readonly repository: RunsRepository,
    private readonly runner: CheckRunner,
    private readonly audit: AuditLog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The scheduled run of `tick`; null when another replica has (or had) it. */
  async runTick(detector: Detector, tick: Date): Promise<RunRecord | null> {
    const runId = deriveEventId('detector-run', detector.id, tick.toISOString());
    const record = await this.messaging.run(async (tx) => {
      const startedAt = this.clock.now();
      if (!(await this.repository.claimTick(tx.manager, detector.id, tick, runId, startedAt))) return null;
      return this.measureAndStore(tx, detector, { runId, trigger: 'schedule', tick, startedAt });
    });
    if (record) this.count(record);
    return record;
  }

  /** A run asked for through the API, now, outside the schedule; it counts toward the thresholds like any run. */
  async runNow(detector: Detector, actor: string): Promise<RunRecord> {
    const runId = randomUUID();
    const record = await this.messaging.run(async (tx) => {
      const startedAt = this.clock.now();
      await this.repository.insertManual(tx.manager, detector.id, runId, startedAt, actor);
      await this.audit.record({ actor, action: 'detector.run', target: detector.id, details: { runId } }, tx.manager);
      return this.measureAndStore(tx, detector, { runId, trigger: 'manual', tick: startedAt, startedAt });
    });
    this.count(record);
    return record;
  }

  private async measureAndStore(
    tx: Transaction,
    detector: Detector,
    run: { runId: string; trigger: 'schedule' | 'manual'; tick: Date; startedAt: Date },
  ): Promise<RunRecord> {
    const began = performance.now();
    const outcome = await this.runner.run(detector, run.startedAt);
    const durationMs = performance.now() - began;
    const now = this.clock.now();
    const fingerprint = detectorFingerprint(detector);

    const stored = await this.repository.lockState(tx.manager, detector.id);
    let alert: RunRecord['alert'] = null;
    // A run that started before the one last applied (a slow check overtaken) is stored, not applied:
    // the state never moves backwards.
    if (!stored.lastStartedAt || stored.lastStartedAt <= run.startedAt) {
      const { state, transition } = applyRun(stored, outcome, detector, run.startedAt);
      if (transition) {
        const change =
          transition.kind === 'raise'
            ? { status: 'firing' as const, startsAt: transition.startsAt, endsAt: null }
            : { status: 'resolved' as const, startsAt: transition.startsAt, endsAt: transition.endsAt };
        const event = detectorAlertEvent(detector, outcome, change, now);
        tx.stage('alerts.received', event.data, { id: event.id, subject: event.data.alert.fingerprint });
        alert = transition.kind === 'raise' ? 'raised' : 'resolved';
      }
      await this.repository.saveState(tx.manager, detector.id, state, fingerprint, run.runId, run.startedAt);
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
    return { ...run, detector, durationMs, outcome, fingerprint, alert };
  }

  private count(record: RunRecord): void {
    detectorMetrics.checks.inc({ detector: record.detector.id, result: record.outcome.status });
    detectorMetrics.duration.observe({ detector: record.detector.id }, record.durationMs / 1000);
    if (record.alert)
      detectorMetrics.alerts.inc({ detector: record.detector.id, status: record.alert === 'raised' ? 'firing' : 'resolved' });
  }
}
