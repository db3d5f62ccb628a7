// Prometheus's HTTP query API (`/api/v1/query`, `/api/v1/query_range`), read the same way by every
// service that asks it something (executor steps, detectors, SLO indicators). Global fetch: no client
// library is worth a dependency for two calls; each caller turns PrometheusQueryError into its own error.

export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}

export interface RangeSeries {
  metric: Record<string, string>;
  /** [unix ms, value] pairs in Prometheus's order. */
  values: Array<[number, number]>;
}

/**
 * Why a query gave no answer: `unreachable` (no HTTP answer), `refused` (Prometheus rejected the query:
 * 400/422, the query's fault), `unavailable` (any other non-success answer), `malformed` (not Prometheus's
 * JSON), `wrong_type` (a range or string where an instant vector or scalar was needed).
 */
export type PrometheusFailure = 'unreachable' | 'refused' | 'unavailable' | 'malformed' | 'wrong_type';

export class PrometheusQueryError extends Error {
  constructor(
    readonly failure: PrometheusFailure,
    message: string,
    /** The HTTP status when Prometheus answered. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PrometheusQueryError';
  }

  /** Worth asking again later (the server or the network), as opposed to a query that will never work. */
  get transient(): boolean {
    return (
      this.failure === 'unreachable' ||
      (this.failure === 'unavailable' && (this.status === undefined || this.status >= 500 || this.status === 429))
    );
  }
}

export interface QueryOptions {
  signal?: AbortSignal;
  /** Answers larger than this are refused rather than buffered (default 8 MB). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

/** An instant query at `time` (now when absent): the samples of a vector, or one sample for a scalar; NaN values kept. */
export async function queryInstant(
  baseUrl: string,
  query: string,
  time: Date | undefined,
  options: QueryOptions = {},
): Promise<InstantSample[]> {
  const params: Record<string, string> = { query };
  if (time) params.time = String(time.getTime() / 1000);
  const data = await call(baseUrl, 'query', params, options);
  if (data.resultType === 'scalar') return [{ metric: {}, value: Number((data.result as [number, string])[1]) }];
  if (data.resultType === 'vector')
    return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((entry) => ({
      metric: entry.metric ?? {},
      value: Number(entry.value[1]),
    }));
  throw new PrometheusQueryError('wrong_type', `the query returned a ${String(data.resultType)}; an instant vector or a scalar is needed`);
}

/** A range query from `start` to `end` every `stepMs` (Prometheus refuses more than 11,000 points per series: callers chunk). */
export async function queryRange(
  baseUrl: string,
  query: string,
  start: Date,
  end: Date,
  stepMs: number,
  options: QueryOptions = {},
): Promise<RangeSeries[]> {
  const data = await call(
    baseUrl,
    'query_range',
    { query, start: String(start.getTime() / 1000), end: String(end.getTime() / 1000), step: `${stepMs / 1000}s` },
    options,
  );
  if (data.resultType !== 'matrix') throw new PrometheusQueryError('wrong_type', `the range query returned a ${String(data.resultType)}`);
  return (data.result as Array<{ metric: Record<string, string>; values: Array<[number, string]> }>).map((series) => ({
    metric: series.metric ?? {},
    values: series.values.map(([seconds, text]) => [seconds * 1000, Number(text)]),
  }));
}

async function call(
  baseUrl: string,
  path: string,
  params: Record<string, string>,
  options: QueryOptions,
): Promise<{ resultType?: string; result?: unknown }> {
  const url = new URL(`api/v1/${path}`, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  let response: Response;
  try {
    // POST with a form body: long PromQL does not fit a URL, and Prometheus takes both.
    response = await fetch(url, { method: 'POST', body: new URLSearchParams(params), signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new PrometheusQueryError('unreachable', `Prometheus at ${url.origin} did not answer: ${cause?.code ?? (error as Error).message}`);
  }
  const text = await readAtMost(response, options.maxBytes ?? DEFAULT_MAX_BYTES, url.origin);
  let body: { status?: string; data?: { resultType?: string; result?: unknown }; error?: string } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (response.ok && body?.status === 'success' && body.data) return body.data;
  const refused = response.status === 400 || response.status === 422;
  const detail = body?.error ?? (body ? JSON.stringify(body).slice(0, 300) : `a body that is not JSON: ${text.slice(0, 200)}`);
  if (response.ok && !body)
    throw new PrometheusQueryError('malformed', `Prometheus answered ${response.status} with ${detail}`, response.status);
  throw new PrometheusQueryError(
    refused ? 'refused' : 'unavailable',
    `Prometheus ${path} failed (${response.status}): ${detail}`,
    response.status,
  );
}

async function readAtMost(response: Response, maxBytes: number, origin: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new PrometheusQueryError(
        'malformed',
        `Prometheus at ${origin} answered more than ${maxBytes} bytes; narrow the query`,
        response.status,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
