import { Episode, Run } from './learning.types';

/** Row shapes of alert_episodes and runbook_runs, and the run filter the learnt numbers share. */
export interface EpisodeRow {
  id: string;
  fingerprint: string;
  alertname: string;
  severity: string;
  signature: string | null;
  labels: Record<string, string> | null;
  annotations: Record<string, string> | null;
  fired_at: Date;
  resolved_at: Date | null;
  writeup_id: string | null;
}

export interface RunRow {
  request_id: string;
  execution_id: string | null;
  runbook_id: string;
  origin: 'bus' | 'manual';
  mode: string | null;
  status: string;
  reason: string | null;
  requested_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  fixed: boolean;
  ineffective: boolean;
}

export const toEpisode = (row: EpisodeRow): Episode => ({
  id: String(row.id),
  fingerprint: row.fingerprint,
  alertname: row.alertname,
  severity: row.severity,
  signature: row.signature,
  labels: row.labels,
  annotations: row.annotations,
  firedAt: new Date(row.fired_at),
  resolvedAt: row.resolved_at ? new Date(row.resolved_at) : null,
  writeupId: row.writeup_id,
});

export const toRun = (row: RunRow): Run => ({
  requestId: row.request_id,
  executionId: row.execution_id,
  runbookId: row.runbook_id,
  origin: row.origin,
  mode: row.mode,
  status: row.status,
  reason: row.reason,
  requestedAt: row.requested_at ? new Date(row.requested_at) : null,
  finishedAt: row.finished_at ? new Date(row.finished_at) : null,
  durationMs: row.duration_ms === null ? null : Number(row.duration_ms),
  fixed: row.fixed,
  ineffective: row.ineffective,
});

/** Outcomes that say nothing about whether the runbook helps: nothing ran (gated, refused) or it has not ended. */
const NOT_A_RUN = `('requested', 'skipped', 'rejected')`;
/** A run counts when it was live automation or reported by people; dry runs and drills change nothing. */
export const COUNTS = `(r.origin = 'manual' OR coalesce(r.mode, 'live') = 'live') AND r.status NOT IN ${NOT_A_RUN}`;
