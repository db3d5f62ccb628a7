import type { Aggregator, Registry } from 'prom-client';

/** One worker's registry as `register.getMetricsAsJSON()` gives it (what the primary aggregates). */
export type MetricSnapshot = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;
type Metric = MetricSnapshot[number];
type Value = Metric['values'][number] & { metricName?: string };

// Gauges whose sum across workers means nothing. `firebreak_bus_connected` is 1 per connected worker:
// the ingress is connected when every worker is (the smallest). Declared here, not at the gauge
// (libs/bus), whose single-process services have nothing to aggregate.
const CLUSTER_AGGREGATORS: Record<string, Aggregator> = { firebreak_bus_connected: 'min' };

/** A worker's snapshot with the cluster's aggregator set on the metrics that are not summed. */
export function withClusterAggregators(snapshot: MetricSnapshot): MetricSnapshot {
  return snapshot.map((metric) =>
    metric.name in CLUSTER_AGGREGATORS ? { ...metric, aggregator: CLUSTER_AGGREGATORS[metric.name] } : metric,
  );
}

// Only these only ever grow (the JSON names the type, though the typings say an enum); a dead
// worker's gauges are simply gone.
const MONOTONE = new Set(['counter', 'histogram']);

/** One series: its name (a histogram has _bucket, _sum, _count) and its labels in a fixed order. */
function seriesKey(value: Value): string {
  const labels = Object.entries(value.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${value.metricName ?? ''}${JSON.stringify(labels)}`;
}

/**
 * Adds a dead worker's last counters and histograms to the base the primary keeps summing, so the
 * cluster's totals never go down when a worker is replaced (a drop reads as a counter reset to
 * Prometheus: rate() would count the whole total again).
 */
export function retire(base: MetricSnapshot, dead: MetricSnapshot): MetricSnapshot {
  const byName = new Map<string, Metric>(base.map((metric) => [metric.name, { ...metric, values: [...metric.values] }]));
  for (const metric of dead) {
    if (!MONOTONE.has(String(metric.type))) continue;
    const kept = byName.get(metric.name) ?? { ...metric, values: [] };
    byName.set(metric.name, kept);
    const index = new Map(kept.values.map((value, position) => [seriesKey(value), position]));
    for (const value of metric.values as Value[]) {
      const position = index.get(seriesKey(value));
      if (position === undefined) kept.values.push({ ...value });
      else kept.values[position] = { ...kept.values[position], value: kept.values[position].value + value.value };
    }
  }
  return [...byName.values()];
}
