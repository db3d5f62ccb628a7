import Mustache from 'mustache';
import { alertFingerprint, AlertReceived, deriveEventId, severityFromLabel } from '@firebreak/contracts';
import { CheckOutcome } from '../checks/check.types';
import { Detector } from '../definitions/detector-config';
import type { FiringAlert } from './runs.repository';

/**
 * The labels of a detector's alert: its own labels, then `alertname`, `detector` and `severity`,
 * which the file cannot override. Empty values are dropped, as Alertmanager treats them as absent.
 */
export function alertLabels(detector: Detector): Record<string, string> {
  const labels: Record<string, string> = {
    ...detector.labels,
    alertname: detector.name,
    detector: detector.id,
    severity: detector.severity,
  };
  return Object.fromEntries(Object.entries(labels).filter(([, value]) => value !== ''));
}

/** Its fingerprint, computed as Alertmanager computes it: the same detector always has the same one. */
export function detectorFingerprint(detector: Detector): string {
  return alertFingerprint(alertLabels(detector));
}

const stringify = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);

/**
 * Annotation templates filled with what the run measured (`value`, `message`, `expect`, `extras.*`,
 * `id`, `name`, `type`, `severity`). Values are inserted as text, not HTML-escaped: whoever displays
 * them (the notifier) escapes for its medium. `summary` and `description` have defaults.
 */
export function renderAnnotations(detector: Detector, outcome: CheckOutcome): Record<string, string> {
  const scope = {
    id: detector.id,
    name: detector.name,
    type: detector.type,
    severity: detector.severity,
    value: outcome.value,
    message: outcome.message,
    status: outcome.status,
    expect: 'expect' in detector && typeof detector.expect === 'object' && 'text' in detector.expect ? detector.expect.text : '',
    extras: outcome.extras,
  };
  const templates: Record<string, string> = {
    summary: `${detector.name}: {{message}}`,
    description: detector.description ?? '{{message}}',
    ...detector.annotations,
  };
  return Object.fromEntries(
    Object.entries(templates).map(([name, template]) => [name, Mustache.render(template, scope, {}, { escape: stringify })]),
  );
}

/** The alert a detector raises now: its labels, fingerprint and annotations filled with this run. */
export function firingAlertOf(detector: Detector, outcome: CheckOutcome): FiringAlert {
  const labels = alertLabels(detector);
  return { fingerprint: alertFingerprint(labels), labels, annotations: renderAnnotations(detector, outcome) };
}

/**
 * The `alerts.received` event of a detector's alert raised or resolved. Its id derives from the
 * fingerprint, status and times (as the ingress derives Alertmanager's), so a retried transaction
 * or relay publishes the same id and JetStream drops the copy. A resolution is built from the alert
 * as it was raised (stored), never from today's definition, which may have been relabelled since.
 */
export function alertEvent(
  alert: FiringAlert,
  change: { status: 'firing' | 'resolved'; startsAt: Date; endsAt: Date | null },
  now: Date,
): { id: string; data: AlertReceived } {
  const startsAt = change.startsAt.toISOString();
  const endsAt = change.endsAt?.toISOString() ?? null;
  return {
    id: deriveEventId('detector', alert.fingerprint, change.status, startsAt, endsAt),
    data: {
      source: 'detector',
      receivedAt: now.toISOString(),
      alert: {
        fingerprint: alert.fingerprint,
        status: change.status,
        labels: alert.labels,
        annotations: alert.annotations,
        severity: severityFromLabel(alert.labels.severity),
        startsAt,
        endsAt,
        generatorURL: '',
      },
    },
  };
}

/**
 * Whether the alert a detector's state fires no longer belongs to its definition: the detector was
 * removed or disabled, or its name, severity or labels changed (another fingerprint). Such an alert
 * is resolved from its stored labels; nothing else would ever resolve it.
 */
export function isStaleAlert(firing: FiringAlert | null, detector: Detector | undefined): boolean {
  if (!firing) return false;
  return !detector || !detector.enabled || detectorFingerprint(detector) !== firing.fingerprint;
}
