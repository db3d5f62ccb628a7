import { EventOf } from '@firebreak/contracts';
import { Signal } from '../core/signals';

/** Which signals an event counts towards; pure, so the consumer stays one call. */

/** An automatic remediation is a live run for an alert; dry runs, drills and manual runs are not. */
function automatic(data: { mode: string; fingerprint?: string }): boolean {
  return data.mode === 'live' && data.fingerprint !== undefined;
}

/** Failure statuses that are an attempt that did not fix things; a skip or a rejection never ran. */
const FAILED_ATTEMPTS = new Set(['failed', 'timed_out', 'needs_attention', 'ineffective']);

export function remediationFailedSignals(event: EventOf<'runbooks.execution.failed'>): Signal[] {
  return automatic(event.data) && FAILED_ATTEMPTS.has(event.data.status) ? ['remediations.failed'] : [];
}

export function remediationSucceededSignals(event: EventOf<'runbooks.execution.succeeded'>): Signal[] {
  return automatic(event.data) ? ['remediations.succeeded'] : [];
}

/** A new problem: into firing from nothing or from resolved (not an acknowledged alert firing again, not a silence ending). */
export function stateChangedSignals(event: EventOf<'alerts.state.changed'>): Signal[] {
  const { from, to, severity } = event.data;
  if (to !== 'firing' || (from !== null && from !== 'resolved')) return [];
  return severity === 'critical' ? ['alerts.firing', 'alerts.firing.critical'] : ['alerts.firing'];
}
