import type { Delivery } from '../chaos/receiver';

export interface DeliveryStats {
  sent: number;
  /** Alerts delivered at least once. */
  delivered: number;
  missing: number;
  /** Deliveries beyond each alert's first: each one is a failure. */
  duplicates: number;
  duplicatedAlerts: number;
  /** Duplicates carrying their first delivery's idempotency-key (a resend the channel could drop). */
  sameKeyDuplicates: number;
  /** Webhook send → first delivery, ascending. */
  latenciesMs: number[];
  /** First deliveries' earliest and latest arrival (undefined when nothing arrived). */
  firstAt?: number;
  lastAt?: number;
}

/**
 * Matches the alerts a run sent (fingerprint → when its webhook was sent) with what the receiver
 * counted (`${fingerprint} ${kind}` → deliveries in arrival order).
 */
export function deliveryStats(
  sentAt: ReadonlyMap<string, number>,
  deliveries: ReadonlyMap<string, Delivery[]>,
  kind = 'firing',
): DeliveryStats {
  const stats: DeliveryStats = {
    sent: sentAt.size,
    delivered: 0,
    missing: 0,
    duplicates: 0,
    duplicatedAlerts: 0,
    sameKeyDuplicates: 0,
    latenciesMs: [],
  };
  for (const [fingerprint, sent] of sentAt) {
    const list = deliveries.get(`${fingerprint} ${kind}`);
    if (!list || list.length === 0) {
      stats.missing++;
      continue;
    }
    stats.delivered++;
    if (list.length > 1) {
      stats.duplicates += list.length - 1;
      stats.duplicatedAlerts++;
      const key = list[0].idempotencyKey;
      stats.sameKeyDuplicates += list.slice(1).filter((repeat) => key !== undefined && repeat.idempotencyKey === key).length;
    }
    const at = list[0].at;
    stats.latenciesMs.push(at - sent);
    if (stats.firstAt === undefined || at < stats.firstAt) stats.firstAt = at;
    if (stats.lastAt === undefined || at > stats.lastAt) stats.lastAt = at;
  }
  stats.latenciesMs.sort((a, b) => a - b);
  return stats;
}

/** Every alert delivered exactly once, or what went wrong, for a row's `failure`. */
export function exactlyOnceFailure(stats: DeliveryStats): string | undefined {
  const problems: string[] = [];
  if (stats.missing > 0) problems.push(`${stats.missing} of ${stats.sent} alerts NOT DELIVERED`);
  if (stats.duplicates > 0)
    problems.push(
      `${stats.duplicates} DUPLICATE deliveries (${stats.duplicatedAlerts} alerts; ${stats.sameKeyDuplicates} with the first delivery's idempotency-key)`,
    );
  return problems.length > 0 ? problems.join(', ') : undefined;
}

/** Drops what a finished window counted, so that a long run keeps only its per-window figures. */
export function forget(deliveries: Map<string, Delivery[]>, fingerprints: Iterable<string>, kind = 'firing'): void {
  for (const fingerprint of fingerprints) deliveries.delete(`${fingerprint} ${kind}`);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
