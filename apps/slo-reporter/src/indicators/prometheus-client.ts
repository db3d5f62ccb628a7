import { AppError } from '@firebreak/platform';

export interface Sample {
  at: Date;
  value: number;
}

/** Prometheus's HTTP API, the two calls the reporter needs. Global fetch: no client library is worth a dependency for two GETs. */
export class PrometheusClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * The query's value at `at`: the sum over the series it returns (SLO queries aggregate to one), or
   * null when it returns nothing or NaN (no data, which must not read as "all good").
   */
  async instant(query: string, at: Date): Promise<number | null> {
    const data = await this.get<{ resultType: string; result: Array<{ value: [number, string] }> | [number, string] }>('query', {
      query,
      time: (at.getTime() / 1000).toString(),
    });
    const values =
      data.resultType === 'scalar'
        ? [Number((data.result as [number, string])[1])]
        : (data.result as Array<{ value: [number, string] }>).map((series) => Number(series.value[1]));
    const finite = values.filter((value) => Number.isFinite(value));
    return finite.length === 0 ? null : finite.reduce((sum, value) => sum + value, 0);
  }

  /** Values of the query from `start` to `end` every `stepMs`, summed across series per step; steps without data are left out. */
  async range(query: string, start: Date, end: Date, stepMs: number): Promise<Sample[]> {
    const byStep = new Map<number, number>();
    // Prometheus refuses more than 11,000 points per series: ask in chunks.
    const chunk = 10_000 * stepMs;
    for (let from = start.getTime(); from <= end.getTime(); from += chunk + stepMs) {
      const to = Math.min(end.getTime(), from + chunk);
      const data = await this.get<{ result: Array<{ values: Array<[number, string]> }> }>('query_range', {
        query,
        start: (from / 1000).toString(),
        end: (to / 1000).toString(),
        step: `${stepMs / 1000}s`,
      });
      for (const series of data.result)
        for (const [seconds, text] of series.values) {
          const value = Number(text);
          if (Number.isFinite(value)) byStep.set(seconds * 1000, (byStep.get(seconds * 1000) ?? 0) + value);
        }
    }
    return [...byStep.entries()].sort(([a], [b]) => a - b).map(([at, value]) => ({ at: new Date(at), value }));
  }

  private async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/api/v1/${path}?${new URLSearchParams(params).toString()}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new AppError('prometheus_unavailable', `Prometheus at ${this.baseUrl} did not answer: ${(error as Error).message}`, 503);
    }
    const body = (await response.json().catch(() => null)) as { status?: string; data?: T; error?: string } | null;
    if (!response.ok || body?.status !== 'success' || body.data === undefined)
      throw new AppError(
        response.status === 400 || response.status === 422 ? 'prometheus_query_failed' : 'prometheus_unavailable',
        `Prometheus ${path} failed (${response.status}): ${body?.error ?? 'unreadable answer'}`,
        // A query Prometheus refuses is the SLO's fault, not the caller's: 502, never a 500.
        response.status === 400 || response.status === 422 ? 502 : 503,
      );
    return body.data;
  }
}
