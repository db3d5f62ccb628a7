import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DependencyUnavailableError, isConnectionFailure } from '@firebreak/bus';
import { AppError } from '@firebreak/platform';
import { DETECTORS, Detector, DetectorCatalog } from '../definitions/detector-config';
import { HIDDEN, redactUrl } from '../definitions/redact';
import { detectorFingerprint } from '../runs/alert-event';
import { DetectorRunsService, RunRecord } from '../runs/detector-runs.service';
import { RunRow, RunsReader } from '../runs/runs.repository';
import { encodeCursor, ListRunsQuery } from './detectors.dto';

/**
 * The definition as the API shows it: schedule and thresholds, type settings. Anything that may hold
 * a `${ENV}` secret is hidden: header values and the request body entirely, URLs with their userinfo
 * and query values replaced (redactUrl).
 */
function definitionView(detector: Detector): Record<string, unknown> {
  const { schedule, timeoutMs, ...rest } = detector;
  const view: Record<string, unknown> = { ...rest, schedule: schedule.describe(), timeoutMs };
  if ('expect' in detector && detector.type !== 'http') view.expect = detector.expect.text;
  if (detector.type === 'http') {
    view.url = redactUrl(detector.url);
    view.headers = Object.fromEntries(Object.keys(detector.headers).map((name) => [name, HIDDEN]));
    if (detector.body !== undefined) view.body = HIDDEN;
    view.expect = {
      ...detector.expect,
      body: detector.expect.body.map((c) => ({ ...c, matches: c.matches?.pattern() })),
    };
  }
  if (detector.type === 'prometheus' && detector.url) view.url = redactUrl(detector.url);
  return view;
}

function runView(row: RunRow) {
  return {
    runId: row.run_id,
    detector: row.detector_id,
    trigger: row.trigger,
    tick: row.tick.toISOString(),
    status: row.status,
    value: row.value,
    message: row.message,
    extras: row.extras,
    startedAt: row.started_at.toISOString(),
    durationMs: row.duration_ms,
    alert: row.alert,
    ...(row.actor ? { actor: row.actor } : {}),
  };
}

/** Seed 004's result shape, plus which detector and run it was. */
function resultView(record: RunRecord) {
  const ok = record.outcome.status === 'pass';
  return {
    detector: record.detector.id,
    ok,
    severity: ok ? 'info' : record.detector.severity,
    msg: record.outcome.message,
    fingerprint: record.fingerprint,
    extras: { ...record.outcome.extras, value: record.outcome.value },
    status: record.outcome.status,
    runId: record.runId,
    durationMs: Math.round(record.durationMs),
    alert: record.alert,
  };
}

/** Firebreak's own Postgres away (or its pool exhausted): a 503 to retry, never a 500; anything else as it is. */
function unavailable(error: unknown, details: { stored: string[]; notRun: string[] }): unknown {
  if (!(error instanceof DependencyUnavailableError) && !isConnectionFailure(error)) return error;
  return new AppError(
    'unavailable',
    "Firebreak's database is unavailable; the detectors listed in notRun were not run (nothing of them stored): try again",
    HttpStatus.SERVICE_UNAVAILABLE,
    details,
    { 'Retry-After': '5' },
  );
}

@Injectable()
export class DetectorsApiService {
  constructor(
    @Inject(DETECTORS) private readonly catalog: DetectorCatalog,
    private readonly reader: RunsReader,
    private readonly runs: DetectorRunsService,
  ) {}

  async list() {
    const [states, lastRuns] = await Promise.all([this.reader.states(), this.reader.lastRuns()]);
    const stateOf = new Map(states.map((s) => [s.detector_id, s]));
    const lastOf = new Map(lastRuns.map((r) => [r.detector_id, r]));
    const detectors = this.catalog.detectors.map((detector) => {
      const state = stateOf.get(detector.id);
      const last = lastOf.get(detector.id);
      return {
        ...definitionView(detector),
        fingerprint: detectorFingerprint(detector),
        state: {
          status: !detector.enabled
            ? 'disabled'
            : !state
              ? 'unknown'
              : state.alerting
                ? 'alerting'
                : state.consecutive_failures > 0
                  ? 'failing'
                  : 'ok',
          alerting: state?.alerting ?? false,
          consecutiveFailures: state?.consecutive_failures ?? 0,
          consecutivePasses: state?.consecutive_passes ?? 0,
          failingSince: state?.failing_since?.toISOString() ?? null,
          alertStartsAt: state?.alert_starts_at?.toISOString() ?? null,
        },
        lastResult: last ? runView(last) : null,
      };
    });
    return { detectors };
  }

  async runsOf(id: string, query: ListRunsQuery) {
    this.detector(id);
    const rows = await this.reader.page(id, query.limit + 1, query.cursor);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      runs: page.map(runView),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ startedAt: last.started_at.toISOString(), runId: last.run_id }) : null,
    };
  }

  /**
   * Every enabled detector now, at most FIREBREAK_DETECTOR_CONCURRENCY at once (the runs' own slots).
   * If Firebreak's own Postgres cannot be reached, the answer is a 503 naming the detectors whose runs
   * were stored and those that were not run (nothing half-stored: each run stores in one transaction).
   */
  async runAll(actor: string) {
    const enabled = this.catalog.detectors.filter((d) => d.enabled);
    const settled = await Promise.allSettled(enabled.map((detector) => this.runs.runNow(detector, actor)));
    const records = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) {
      const notRun = enabled.filter((_, i) => settled[i].status === 'rejected').map((d) => d.id);
      throw unavailable(failure.reason, { stored: records.map((r) => r.detector.id), notRun });
    }
    const passed = records.filter((r) => r.outcome.status === 'pass').length;
    return { status: 'completed', total_checks: records.length, passed, failed: records.length - passed, results: records.map(resultView) };
  }

  async runOne(id: string, actor: string) {
    const detector = this.detector(id);
    if (!detector.enabled)
      throw new AppError('detector_disabled', `detector ${id} is disabled (enabled: false in detectors.yaml)`, HttpStatus.CONFLICT);
    const record = await this.runs.runNow(detector, actor).catch((error: unknown) => {
      throw unavailable(error, { stored: [], notRun: [id] });
    });
    const ok = record.outcome.status === 'pass';
    return { status: 'completed', total_checks: 1, passed: ok ? 1 : 0, failed: ok ? 0 : 1, results: [resultView(record)] };
  }

  private detector(id: string): Detector {
    const detector = this.catalog.byId.get(id);
    if (!detector) throw new AppError('not_found', `detector ${id} is not defined in detectors.yaml`, HttpStatus.NOT_FOUND);
    return detector;
  }
}
