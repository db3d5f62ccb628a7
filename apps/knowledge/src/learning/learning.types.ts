/** One alert episode: from firing to resolved, for one fingerprint. */
export interface Episode {
  id: string;
  fingerprint: string;
  alertname: string;
  severity: string;
  signature: string | null;
  labels: Record<string, string> | null;
  annotations: Record<string, string> | null;
  firedAt: Date;
  resolvedAt: Date | null;
  writeupId: string | null;
}

/** One runbook run as learnt: from the bus (request + outcome) or reported by people (POST /learn). */
export interface Run {
  requestId: string;
  executionId: string | null;
  runbookId: string;
  origin: 'bus' | 'manual';
  mode: string | null;
  status: string;
  reason: string | null;
  requestedAt: Date | null;
  finishedAt: Date | null;
  durationMs: number | null;
  fixed: boolean;
  ineffective: boolean;
}

/** Per runbook for one alertname (optionally one label signature). */
export interface RunbookStats {
  runbookId: string;
  runs: number;
  succeeded: number;
  fixed: number;
  medianResolveMs: number | null;
  avgDurationMs: number | null;
  lastSeen: Date | null;
}
