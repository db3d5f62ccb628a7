/**
 * What the knowledge service knows about one alert, for in-process callers (the alert analysis in
 * src/analysis). Implemented by FindingsService (findings.service.ts); inject `KnowledgeFindings`.
 */
export interface AlertQuery {
  alertname: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  fingerprint?: string;
}

export interface RunbookEvidence {
  /** Runs of this runbook for alerts of this name (and, where known, this label signature). */
  runs: number;
  /** Runs after which the alert was verified fixed (resolved within the verify window). */
  fixed: number;
  /** fixed / runs, 0 when never run. */
  successRate: number;
}

export interface RecommendedRunbook {
  runbookId: string;
  title: string;
  /** 0–1: Wilson lower bound of fixed/runs (95 %), text relevance and label overlap combined. */
  score: number;
  evidence: RunbookEvidence;
  /** Human-readable reasons, e.g. "fixed 9 of 10 runs for HighCPU". */
  reasons: string[];
}

export interface SimilarIncident {
  documentId: string;
  title: string;
  alertname: string;
  /** 0–1 label overlap (Jaccard over name=value pairs). */
  similarity: number;
  resolvedAt: string | null;
  timeToResolveMs: number | null;
  runbooks: Array<{ runbookId: string; outcome: string }>;
}

export interface DocumentHit {
  id: string;
  title: string;
  type: 'static' | 'dynamic' | 'template';
  relevanceScore: number;
  summary: string;
}

export interface AlertFindings {
  recommendedRunbooks: RecommendedRunbook[];
  similarIncidents: SimilarIncident[];
  documents: DocumentHit[];
}

/** The in-process port; the token to inject is the abstract class itself. */
export abstract class KnowledgeFindings {
  abstract forAlert(alert: AlertQuery): Promise<AlertFindings>;
}
