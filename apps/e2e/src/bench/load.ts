import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSec: number;
  itemsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  durationSec: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSec: number;
  headers: Record<string, string>;
  /** A new body for every request (new alerts each time, so nothing is deduplicated away). */
  body: (sequence: number) => string;
  itemsPerRequest: number;
}

/** Closed-loop HTTP load with autocannon: N connections, each sending its next request on an answer. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let sequence = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        setupRequest: (request) => ({ ...request, body: options.body(sequence++) }),
      },
    ],
  });
  const ok = result.requests.total - result.non2xx;
  return {
    requestsPerSec: Math.round(ok / options.durationSec),
    itemsPerSec: Math.round((ok * options.itemsPerRequest) / options.durationSec),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationSec: options.durationSec,
  };
}
