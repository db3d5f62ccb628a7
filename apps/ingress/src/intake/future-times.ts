import { AlertReceived } from '@firebreak/contracts';

export type ClampedField = 'startsAt' | 'endsAt';

/**
 * A start or end further in the future than the allowed clock skew is a sender's clock (or a
 * hostile payload) out of line: `startsAt` in 9999 would make the alert never resolve, a resolved
 * `endsAt` in 9999 would make every later firing look stale. Such a time becomes the receipt time.
 * A firing alert's `endsAt` is not read (Alertmanager sets it ahead on purpose) and stays null.
 */
export function clampFutureTimes(received: AlertReceived, maxSkewMs: number): { received: AlertReceived; clamped: ClampedField[] } {
  const receipt = Date.parse(received.receivedAt);
  const latest = receipt + maxSkewMs;
  const { alert } = received;
  const clamped: ClampedField[] = [];
  let { startsAt, endsAt } = alert;
  if (Date.parse(startsAt) > latest) {
    startsAt = received.receivedAt;
    clamped.push('startsAt');
  }
  if (endsAt !== null && Date.parse(endsAt) > latest) {
    endsAt = received.receivedAt;
    clamped.push('endsAt');
  }
  if (clamped.length === 0) return { received, clamped };
  return { received: { ...received, alert: { ...alert, startsAt, endsAt } }, clamped };
}
