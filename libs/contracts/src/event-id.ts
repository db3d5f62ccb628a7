import { createHash } from 'node:crypto';

/**
 * A deterministic event id: the same inputs always give the same id, so a retried derivation
 * (Alertmanager resending a notification, a consumer redelivered) publishes the same id and
 * JetStream's duplicate window drops the copy. Formatted as a UUID (version nibble 8, "custom").
 */
export function deriveEventId(...parts: Array<string | number | null | undefined>): string {
  const hex = createHash('sha256')
    .update(parts.map((part) => (part === null || part === undefined ? '\u0000' : String(part))).join('\u001f'))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
