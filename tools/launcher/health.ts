import { setTimeout as delay } from 'node:timers/promises';
import { serviceUrls, type ServiceSpec } from './services';

const POLL_INTERVAL_MS = 500;
const REQUEST_TIMEOUT_MS = 2000;

export interface ReadinessResult {
  ready: boolean;
  /** For each service that never answered 200: what it answered last. */
  pending: Map<string, string>;
}

/** Polls every `/health/ready` until all answer 200, the deadline passes, or the signal aborts. */
export async function waitUntilReady(services: readonly ServiceSpec[], timeoutMs: number, signal: AbortSignal): Promise<ReadinessResult> {
  const pending = new Map(services.map((s) => [s.name, 'no answer yet']));
  const deadline = Date.now() + timeoutMs;
  while (!signal.aborted) {
    await Promise.all(
      services
        .filter((s) => pending.has(s.name))
        .map(async (s) => {
          const outcome = await probe(serviceUrls(s).ready, signal);
          if (outcome === 'ready') pending.delete(s.name);
          else pending.set(s.name, outcome);
        }),
    );
    if (pending.size === 0) return { ready: true, pending };
    if (Date.now() >= deadline) break;
    await delay(POLL_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
  }
  return { ready: false, pending };
}

async function probe(url: string, signal: AbortSignal): Promise<string> {
  try {
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]) });
    await response.body?.cancel();
    return response.status === 200 ? 'ready' : `HTTP ${response.status}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error instanceof Error ? error.message : 'request failed');
  }
}
