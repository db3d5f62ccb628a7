import { PrometheusDetector } from '../definitions/detector-config';
import { satisfies } from '../definitions/expectation';
import { Check, CheckContext, CheckError, CheckOutcome } from './check.types';
import { noDataOutcome } from './no-data';

interface Sample {
  metric: Record<string, string>;
  value: number;
}

function samplesOf(body: unknown): Sample[] {
  const answer = body as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  if (answer?.status !== 'success' || !answer.data)
    throw new CheckError(`Prometheus answered ${answer?.error ?? JSON.stringify(body).slice(0, 300)}`);
  if (answer.data.resultType === 'scalar') return [{ metric: {}, value: Number((answer.data.result as [number, string])[1]) }];
  if (answer.data.resultType === 'vector')
    return (answer.data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((entry) => ({
      metric: entry.metric,
      value: Number(entry.value[1]),
    }));
  throw new CheckError(`the query returned a ${answer.data.resultType}; an instant vector or a scalar is needed`);
}

const describe = (sample: Sample) =>
  Object.keys(sample.metric).length === 0
    ? String(sample.value)
    : `${sample.value} for {${Object.entries(sample.metric)
        .map(([name, value]) => `${name}="${value}"`)
        .join(', ')}}`;

/** An instant query (`/api/v1/query`); every sample must satisfy `expect`. Value: the worst sample, or the only one. */
export class PrometheusCheck implements Check<PrometheusDetector> {
  constructor(private readonly defaultUrl: string | undefined) {}

  async run(detector: PrometheusDetector, ctx: CheckContext): Promise<CheckOutcome> {
    const base = detector.url ?? this.defaultUrl!;
    const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        body: new URLSearchParams({ query: detector.query, time: String(ctx.now.getTime() / 1000) }),
        signal: ctx.signal,
      });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new CheckError(`Prometheus at ${url.origin} failed: ${cause?.code ?? (error as Error).message}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new CheckError(`Prometheus answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    const samples = samplesOf(body).filter((sample) => !Number.isNaN(sample.value));
    if (samples.length === 0) return noDataOutcome(detector.onNoData, 'the query returned no samples', { query: detector.query });
    const failing = samples.filter((sample) => !satisfies(sample.value, detector.expect));
    const shown = failing[0] ?? samples[0];
    return {
      status: failing.length === 0 ? 'pass' : 'fail',
      value: shown.value,
      message:
        failing.length === 0
          ? `${samples.length} sample(s), ${describe(shown)}, all ${detector.expect.text}`
          : `${failing.length} of ${samples.length} sample(s) not ${detector.expect.text}: ${failing.slice(0, 3).map(describe).join('; ')}`,
      extras: { query: detector.query, samples: samples.length, failing: failing.length, metric: shown.metric },
    };
  }
}
