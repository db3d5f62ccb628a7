/** The `runbook` label of every executor metric for an id that is not in the catalogue. */
export const UNKNOWN_RUNBOOK = 'unknown';

/**
 * A request names its runbook with whatever id its sender chose (an alert annotation, a publish step): used
 * as a label as is, every new id would be a new series. Only catalogued runbooks (those with a definition)
 * get their own.
 */
export function runbookLabel(runbook: { id: string } | null | undefined): string {
  return runbook?.id ?? UNKNOWN_RUNBOOK;
}
