import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * After listening. Several, because one finds the allocation rate low only if the service happens to be quiet
 * then (connecting, first polls, health checks from the console); an idle scavenge costs about a millisecond.
 */
export const STARTUP_GC_DELAYS_MS = [5_000, 10_000, 15_000, 30_000, 60_000] as const;

/**
 * Young-generation collections shortly after start-up. Loading ~2,000 modules grows V8's young generation to
 * its cap (16 MB with --max-semi-space-size=8, 32 MB and more without), and V8 shrinks it only in a collection
 * that finds the allocation rate low. A service with pollers rarely gets one while idle, so it kept the start-up
 * size, resident, for as long as it ran; after these it holds 1–3 MB. Under load V8 keeps the size it needs.
 * A scavenge, not a full collection: a full one released no more here (measured per service) and pauses
 * ~10× longer. `gc` is taken from a fresh context (as jest's leak detector does), so no command-line flag
 * and no global `gc` are needed.
 */
export function releaseStartupGarbage(delaysMs: readonly number[] = STARTUP_GC_DELAYS_MS): void {
  const collect = youngGenerationCollection();
  if (!collect) return;
  for (const delay of delaysMs) setTimeout(collect, delay).unref();
}

/** Undefined where this Node cannot expose `gc` at run time: the memory is then released later, never a failed start. */
function youngGenerationCollection(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void;
    if (typeof gc !== 'function') return undefined;
    return () => {
      try {
        gc({ type: 'minor' });
      } catch {
        // An optimisation only: a collection refused is no reason to stop a service.
      }
    };
  } catch {
    return undefined;
  }
}
