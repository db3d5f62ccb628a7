/** The executor's catalogue entry (`apps/runbook-executor/src/runbooks/runbook-views.ts`). */
export interface RunbookSummary {
  id: string;
  source: string;
  version: number;
  title: string;
  description: string;
  severity: string;
  tags: string[];
  mode: string;
  steps: number;
  stepTypes: string[];
  mutating: boolean;
  hasProse: boolean;
}

export interface LoadError {
  id?: string;
  file?: string;
  problems?: string[];
  [key: string]: unknown;
}

export interface Catalogue {
  runbooks: RunbookSummary[];
  loadErrors: LoadError[];
}

export interface StepDefinition {
  id: string;
  name?: string;
  uses: string;
  with?: Record<string, unknown>;
  if?: string;
  risk?: string;
  mutating: boolean;
  timeout: string | null;
  onFailure?: string;
}

export interface ParamSpec {
  type: 'string' | 'number' | 'boolean';
  required: boolean;
  default?: string | number | boolean;
  description?: string;
}

export interface RunbookDetail {
  id: string;
  loaded: boolean;
  source?: string;
  version?: number;
  file?: string | null;
  stored?: { by: string; at: string } | null;
  definition: {
    title: string;
    description: string;
    severity: string;
    tags: string[];
    mode: string;
    params: Record<string, ParamSpec>;
    steps: StepDefinition[];
  } | null;
  prose: string | null;
  loadErrors: LoadError[];
}

export interface SearchHit {
  id: string;
  title: string;
  type: string;
  severity: string;
  relevance_score: number;
  summary: string;
  last_updated: string;
}
