import type { AlertLifecycle } from '@firebreak/contracts';

/** An alert as the mapper's API shows it (`apps/mapper/src/alerts/alert-view.ts`). */
export interface AlertView {
  fingerprint: string;
  alertname: string;
  status: AlertLifecycle;
  severity: string;
  source: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
  startsAt: string;
  endsAt: string | null;
  firstSeen: string;
  lastSeen: string;
  occurrences: number;
  lastAnnouncedAt: string | null;
  silenceId: string | null;
  acknowledgement: { by: string | null; at: string; note: string | null } | null;
  resolution: { by: string | null; at: string; note: string | null } | null;
  escalatedAt: string | null;
  runbook: { id: string; status: string; executionId?: string; reason?: string; at: string } | null;
  updatedAt: string;
}

export interface AlertPage {
  items: AlertView[];
  nextCursor: string | null;
}

/** One row of `alert_history` (`apps/mapper/src/lifecycle/history.repository.ts`). */
export interface HistoryEntry {
  id: string;
  at: string;
  action: string;
  from: string | null;
  to: string | null;
  actor: string | null;
  note: string | null;
  sourceId: string | null;
  details: Record<string, unknown>;
}

export type AlertDetail = AlertView & { history: HistoryEntry[] };
