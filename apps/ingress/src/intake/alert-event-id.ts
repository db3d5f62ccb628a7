import { AlertReceived, deriveEventId } from '@firebreak/contracts';

/**
 * The id of an `alerts.received` event. Alertmanager resends the same notification (a retry, or
 * both replicas of an HA pair) with the same fingerprint, status and times: the same id, so
 * JetStream's duplicate window drops the copy. A change of status or time is a new event.
 */
export function alertEventId(received: AlertReceived): string {
  const { fingerprint, status, startsAt, endsAt } = received.alert;
  return deriveEventId(received.source, fingerprint, status, startsAt, endsAt);
}
