import { deriveEventId, RunbookRequested } from '@firebreak/contracts';
import { mappingSourceOf, RunbookMapping } from '../mappings/runbook-matcher';
import { AlertRecord, RunbookState } from './alert-record';
import { MachineSettings } from './commands';
import { announce, Effect } from './effects';

/** The runbook state the first announcement of an episode records for a mapped alert. */
export function planRunbook(mapping: RunbookMapping, sourceId: string, settings: MachineSettings): RunbookState {
  const enabled = settings.automationEnabled;
  return {
    id: mapping.runbookId,
    requestId: deriveEventId('runbook-request', sourceId),
    source: mapping.source,
    status: enabled ? 'requested' : 'suppressed',
    ...(enabled ? {} : { reason: 'automation is disabled (FIREBREAK_AUTOMATION_ENABLED=false)' }),
    at: settings.now.toISOString(),
  };
}

/**
 * The first announcement of an episode: the runbook request planned for it (when `newRequest`)
 * and the escalation timer go with it.
 */
export function firingAnnouncement(
  record: AlertRecord,
  sourceId: string,
  receivedAt: Date,
  newRequest: boolean,
  escalateAfterMs: number | null,
): Effect[] {
  const runbook = record.runbook;
  const effects: Effect[] = [];
  if (runbook && newRequest)
    effects.push({ type: 'runbook_request', fingerprint: record.fingerprint, runbook, request: runbookRequest(record, runbook) });
  const announced = runbook
    ? { id: runbook.id, ...(runbook.status === 'suppressed' ? { outcome: 'automation_disabled' } : {}) }
    : undefined;
  effects.push(announce('firing', record, sourceId, { receivedAt, runbook: announced }));
  if (escalateAfterMs !== null) effects.push({ type: 'timer_set', fingerprint: record.fingerprint, delayMs: escalateAfterMs, sourceId });
  return effects;
}

function runbookRequest(record: AlertRecord, runbook: RunbookState): RunbookRequested {
  return {
    requestId: runbook.requestId,
    runbookId: runbook.id,
    mode: 'live',
    trigger: 'alert',
    selectedBy: mappingSourceOf(runbook.source),
    fingerprint: record.fingerprint,
    context: {
      alert_name: record.alertname,
      alert_labels: record.labels,
      alert_annotations: record.annotations,
      triggered_at: record.startsAt.toISOString(),
      severity: record.severity,
      instance: Object.prototype.hasOwnProperty.call(record.labels, 'instance') ? record.labels.instance : null,
      fingerprint: record.fingerprint,
    },
    params: {},
  };
}
