import { AlertRecord } from '../lifecycle/alert-record';

/** An alert as the API shows it. */
export function alertView(record: AlertRecord) {
  return {
    fingerprint: record.fingerprint,
    alertname: record.alertname,
    status: record.status,
    severity: record.severity,
    source: record.source,
    labels: record.labels,
    annotations: record.annotations,
    generatorURL: record.generatorURL,
    startsAt: record.startsAt,
    endsAt: record.endsAt,
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    occurrences: record.occurrences,
    lastAnnouncedAt: record.lastAnnouncedAt,
    silenceId: record.silenceId,
    acknowledgement: record.acknowledgedAt ? { by: record.acknowledgedBy, at: record.acknowledgedAt, note: record.acknowledgeNote } : null,
    resolution: record.resolvedAt ? { by: record.resolvedBy, at: record.resolvedAt, note: record.resolveNote } : null,
    escalatedAt: record.escalatedAt,
    runbook: record.runbook,
    updatedAt: record.updatedAt,
  };
}

export type AlertView = ReturnType<typeof alertView>;
