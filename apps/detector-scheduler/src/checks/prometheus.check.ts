import { InstantSample, PrometheusQueryError, queryInstant } from '@firebreak/platform';
import { PrometheusDetector } from '../definitions/detector-config';
import { satisfies } from '../definitions/expectation';
import { Check, CheckContext, CheckError, CheckOutcome } from './check.types';
import { noDataOutcome } from './no-data';

const describe = (sample: InstantSample) =>
  Object.keys(sample.metric).length === 0
    ? String(sample.value)
    : `${sample.value} for {${Object.entries(sample.metric)
        .map(([name, value]) => `${name}="${value}"`)
        .join(', ')}}`;

/** An instant query (`/api/v1/query`); every sample must satisfy `expect`. Value: the worst sample, or the only one. */
export class PrometheusCheck implements Check<PrometheusDetector> {
  constructor(private readonly defaultUrl: string | undefined) {}

  async run(detector: PrometheusDetector, ctx: CheckContext): Promise<CheckOutcome> {
    let answer: InstantSample[];
    try {
      answer = await queryInstant(detector.url ?? this.defaultUrl!, detector.query, ctx.now, { signal: ctx.signal });
    } catch (error) {
      if (error instanceof PrometheusQueryError) throw new CheckError(error.message);
      throw error;
    }
    const samples = answer.filter((sample) => !Number.isNaN(sample.value));
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
