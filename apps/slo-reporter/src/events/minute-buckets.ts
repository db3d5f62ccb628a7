import { Signal } from '../core/signals';

const MINUTE = 60_000;

/** How many events of one signal fell into one minute. */
export interface BucketIncrement {
  signal: Signal;
  /** The minute's start, in ms since the epoch. */
  bucket: number;
  count: number;
}

/**
 * Sums events per (signal, minute of the time each happened), one increment per bucket, sorted by signal then
 * minute: every batch locks the counter rows it adds to in this one order, so two batches never deadlock. An event
 * naming a signal twice counts once towards it.
 */
export function bucketIncrements(events: Iterable<{ signals: readonly Signal[]; at: Date }>): BucketIncrement[] {
  const sums = new Map<Signal, Map<number, number>>();
  for (const { signals, at } of events) {
    const bucket = Math.floor(at.getTime() / MINUTE) * MINUTE;
    for (const signal of new Set(signals)) {
      let minutes = sums.get(signal);
      if (!minutes) sums.set(signal, (minutes = new Map()));
      minutes.set(bucket, (minutes.get(bucket) ?? 0) + 1);
    }
  }
  return [...sums.keys()]
    .sort()
    .flatMap((signal) => [...sums.get(signal)!].sort(([a], [b]) => a - b).map(([bucket, count]) => ({ signal, bucket, count })));
}
