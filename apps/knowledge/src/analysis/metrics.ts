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
  /**
   * Alerts not analysed in full: `stale`, announced longer ago than FIREBREAK_ANALYSIS_MAX_AGE_MS; `storm`, past the
   * first FIREBREAK_ANALYSIS_STORM_FULL of its group in the window (summarised); `budget`, past FIREBREAK_ANALYSIS_RATE.
   */
  skipped: counter('firebreak_analysis_skipped_total', 'Newly firing alerts not analysed, by reason.', ['reason']),
  duration: histogram(
    'firebreak_analysis_duration_seconds',
    'Time from an alert’s announcement to its analysis (queue time, knowledge base, the model when one is set).',
    ['engine'],
    [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60],
  ),
};
