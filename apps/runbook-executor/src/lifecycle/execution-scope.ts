import { TemplateScope } from '../definitions/template';

export interface ScopeInput {
  id: string;
  mode: string;
  runbookId: string;
  trigger: string;
  fingerprint?: string | null;
  context: Record<string, unknown>;
  params: Record<string, unknown>;
}

const record = (value: unknown): Record<string, string> =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
    : {};

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The template variables of an execution, built from the context the request carried (the design's alert context). */
export function scopeFor(input: ScopeInput, vars: Record<string, string>): Omit<TemplateScope, 'steps'> {
  const c = input.context;
  return {
    alert: {
      name: text(c.alert_name),
      labels: record(c.alert_labels),
      annotations: record(c.alert_annotations),
      severity: text(c.severity),
      fingerprint: text(c.fingerprint) ?? input.fingerprint ?? undefined,
      startsAt: text(c.triggered_at),
    },
    context: c,
    params: input.params,
    execution: { id: input.id, mode: input.mode, runbookId: input.runbookId, trigger: input.trigger },
    vars,
  };
}
