import { labelValue } from '@firebreak/contracts';
import { FileMappings } from './mapping-config';
import { MappingSource, RUNBOOK_ANNOTATION, RunbookMapping } from './runbook-matcher';

export interface MappingTestResult {
  runbook: string | null;
  source: MappingSource | null;
  /** For a file rule: which one (0-based) and its matchers. */
  rule?: { index: number; matchers: string[] };
  why: string;
  /** What was looked at and passed over, e.g. an annotation that is not a runbook id. */
  notes: string[];
}

/** Puts into words the mapping `matchRunbook` chose (or that none matched), for an operator testing labels. */
export function explainMapping(
  mapping: RunbookMapping | null,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  file: FileMappings,
): MappingTestResult {
  const alertname = labelValue(labels, 'alertname');
  const annotated = labelValue(annotations, RUNBOOK_ANNOTATION).trim();
  const notes =
    annotated && mapping?.source !== 'annotation' ? [`the ${RUNBOOK_ANNOTATION} annotation is not a runbook id, so it was ignored`] : [];
  if (!mapping) {
    const name = alertname ? `alertname ${JSON.stringify(alertname)}` : 'an alert without an alertname';
    return {
      runbook: null,
      source: null,
      why: `no ${RUNBOOK_ANNOTATION} annotation, no runtime or mappings.yaml mapping for ${name}, no mappings.yaml rule matched`,
      notes,
    };
  }
  const base = { runbook: mapping.runbookId, source: mapping.source, notes };
  switch (mapping.source) {
    case 'annotation':
      return { ...base, why: `the alert's ${RUNBOOK_ANNOTATION} annotation names it` };
    case 'runtime':
      return { ...base, why: `runtime mapping for alertname ${JSON.stringify(alertname)} (PUT /api/v1/mappings/:alertname)` };
    case 'file_alertname':
      return { ...base, why: `mappings.yaml alertnames.${alertname}` };
    case 'file_rule': {
      const index = mapping.rule ?? -1;
      const matchers = file.rules[index]?.text ?? [];
      return { ...base, rule: { index, matchers }, why: `mappings.yaml rules[${index}] matched: ${matchers.join(', ')}` };
    }
  }
}
