import { AppError, PrometheusQueryError, queryInstant, queryRange } from '@firebreak/platform';

export interface Sample {
  at: Date;
  value: number;
}

/** Prometheus's HTTP API, the two calls the reporter needs, as the reporter's errors. */
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
    const samples = await this.ask(() => queryInstant(this.baseUrl, query, at, { signal: AbortSignal.timeout(this.timeoutMs) }));
    const finite = samples.map((sample) => sample.value).filter((value) => Number.isFinite(value));
    return finite.length === 0 ? null : finite.reduce((sum, value) => sum + value, 0);
  }

  /** Values of the query from `start` to `end` every `stepMs`, summed across series per step; steps without data are left out. */
  async range(query: string, start: Date, end: Date, stepMs: number): Promise<Sample[]> {
    const byStep = new Map<number, number>();
    // Prometheus refuses more than 11,000 points per series: ask in chunks.
    const chunk = 10_000 * stepMs;
    for (let from = start.getTime(); from <= end.getTime(); from += chunk + stepMs) {
      const to = Math.min(end.getTime(), from + chunk);
      const series = await this.ask(() =>
        queryRange(this.baseUrl, query, new Date(from), new Date(to), stepMs, { signal: AbortSignal.timeout(this.timeoutMs) }),
      );
      for (const { values } of series)
        for (const [at, value] of values) if (Number.isFinite(value)) byStep.set(at, (byStep.get(at) ?? 0) + value);
    }
    return [...byStep.entries()].sort(([a], [b]) => a - b).map(([at, value]) => ({ at: new Date(at), value }));
  }

  private async ask<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof PrometheusQueryError)) {
        // A timeout aborts the fetch: Prometheus did not answer in time.
        throw new AppError('prometheus_unavailable', `Prometheus at ${this.baseUrl} did not answer: ${(error as Error).message}`, 503);
      }
      // A query Prometheus refuses is the SLO's fault, not the caller's: 502, never a 500.
      if (error.failure === 'refused' || error.failure === 'wrong_type') throw new AppError('prometheus_query_failed', error.message, 502);
      throw new AppError('prometheus_unavailable', error.message, 503);
    }
  }
}
