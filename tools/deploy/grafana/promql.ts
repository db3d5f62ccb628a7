/** Small PromQL builders shared by the dashboards, so every rate uses Grafana's own interval. */

export const RATE = '$__rate_interval';

export function rate(metric: string, by: string, selector = ''): string {
  return `sum by (${by}) (rate(${metric}${selector}[${RATE}]))`;
}

export function total(metric: string, selector = ''): string {
  return `sum(rate(${metric}${selector}[${RATE}]))`;
}

/** A quantile of a prom-client histogram, summed over replicas (and over `by`, when given). */
export function quantile(q: number, histogram: string, by = '', selector = ''): string {
  const labels = by ? `le, ${by}` : 'le';
  return `histogram_quantile(${q}, sum by (${labels}) (rate(${histogram}_bucket${selector}[${RATE}])))`;
}
