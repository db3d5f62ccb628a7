import { Counter, Histogram, register } from 'prom-client';

function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}
function histogram(name: string, help: string, labelNames: string[], buckets: number[]): Histogram {
  return (register.getSingleMetric(name) as Histogram) ?? new Histogram({ name, help, labelNames, buckets });
}

export const analysisMetrics = {
  /** engine: knowledge | llm (what the analysis finally is); result: ok or the bounded fallback code. */
  total: counter('firebreak_analysis_total', 'Alert analyses made, by the engine that made them and why the model was not used.', [
    'engine',
    'result',
  ]),
  duration: histogram(
    'firebreak_analysis_duration_seconds',
    'Time to analyse one alert (knowledge base plus the model when one is set).',
    ['engine'],
    [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60],
  ),
};
