import { labelValue, matchesAll } from '@firebreak/contracts';
import { RUNBOOK_ID } from '../core/text';
import { FileMappings } from './mapping-config';

export const RUNBOOK_ANNOTATION = 'automation_runbook';

export type MappingSource = 'annotation' | 'runtime' | 'file_alertname' | 'file_rule';

/** First match wins, in this order. */
export const MAPPING_PRECEDENCE: readonly MappingSource[] = ['annotation', 'runtime', 'file_alertname', 'file_rule'];

/**
 * A stored mapping source as the contract's `selectedBy`. A value this release does not know (a row
 * written by a newer release, a manual edit) fails closed as `annotation`: the executor then runs the
 * runbook only if it opts in to being chosen by a sender. Leaving the field out would read as a
 * request from before the field existed, which the executor trusts.
 */
export function mappingSourceOf(source: string): MappingSource {
  return (MAPPING_PRECEDENCE as readonly string[]).includes(source) ? (source as MappingSource) : 'annotation';
}

export interface RunbookMapping {
  runbookId: string;
  source: MappingSource;
  /** For file rules: which rule (0-based) matched. */
  rule?: number;
}

export interface MappingTables {
  file: FileMappings;
  /** alertname → runbook, added through the API. */
  runtime: ReadonlyMap<string, string>;
}

/**
 * Which runbook an alert maps to. The annotation is the alert author's own choice; a runtime
 * mapping is an operator's override of the shipped table without a redeploy, so it comes before
 * the file's alertname table; label rules are the broad catch-all and come last.
 */
export function matchRunbook(
  labels: Record<string, string>,
  annotations: Record<string, string>,
  tables: MappingTables,
): RunbookMapping | null {
  const annotated = labelValue(annotations, RUNBOOK_ANNOTATION).trim();
  // A malformed annotation is ignored rather than trusted: it would only fail in the executor.
  if (RUNBOOK_ID.test(annotated)) return { runbookId: annotated, source: 'annotation' };
  const alertname = labelValue(labels, 'alertname');
  const runtime = tables.runtime.get(alertname);
  if (alertname && runtime) return { runbookId: runtime, source: 'runtime' };
  const fromFile = tables.file.alertnames.get(alertname);
  if (alertname && fromFile) return { runbookId: fromFile, source: 'file_alertname' };
  const rule = tables.file.rules.findIndex((candidate) => matchesAll(candidate.matchers, labels));
  if (rule >= 0) return { runbookId: tables.file.rules[rule].runbook, source: 'file_rule', rule };
  return null;
}
