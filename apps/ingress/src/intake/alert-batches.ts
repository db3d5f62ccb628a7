import { AlertReceived, BatchedAlert, deriveEventId } from '@firebreak/contracts';
import { PayloadTooLargeError } from '@firebreak/bus';
import { ENVELOPE_ROOM_BYTES, fitToMessage } from './fit-to-message';

export const BATCH_SUBJECT = 'alerts.received.batch' as const;

/**
 * The id of an `alerts.received.batch` event: derived from its alerts' own ids in order, so
 * Alertmanager resending the same notification (a retry, or both replicas of an HA pair) publishes
 * the same id and JetStream's duplicate window drops the copy. A regrouped resend is another batch:
 * the mapper sees its alerts as new receipts (counted as occurrences, not announced again within its
 * dedup window), as it sees a group re-send.
 */
export function batchEventId(alerts: readonly BatchedAlert[]): string {
  return deriveEventId(BATCH_SUBJECT, ...alerts.map((alert) => alert.id));
}

export interface Chunked {
  chunks: BatchedAlert[][];
  /** Alerts whose annotations were cut to fit one NATS message. */
  cut: AlertReceived[];
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * Splits a request too large for one NATS message into consecutive chunks that each fit, in order.
 * An alert too large alone has its annotations cut (fit-to-message.ts); one whose labels alone do
 * not fit refuses the request (PayloadTooLargeError, answered 413). Only called once the whole
 * request failed to fit, so the common request is never sized alert by alert.
 */
export function chunkToFit(alerts: readonly BatchedAlert[], maxEventBytes: number): Chunked {
  const budget = maxEventBytes - ENVELOPE_ROOM_BYTES;
  const chunks: BatchedAlert[][] = [];
  const cut: AlertReceived[] = [];
  let chunk: BatchedAlert[] = [];
  let used = 0;
  for (const alert of alerts) {
    const fitted = fitToMessage(alert.data, maxEventBytes);
    if (!fitted) throw new PayloadTooLargeError(BATCH_SUBJECT, bytesOf(alert.data), maxEventBytes);
    if (fitted.cut) cut.push(alert.data);
    const entry = fitted.cut ? { id: alert.id, data: fitted.received } : alert;
    // The entry and the comma before it.
    const size = bytesOf(entry) + 1;
    if (chunk.length > 0 && used + size > budget) {
      chunks.push(chunk);
      chunk = [];
      used = 0;
    }
    chunk.push(entry);
    used += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return { chunks, cut };
}
