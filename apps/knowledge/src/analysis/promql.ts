/**
 * Diagnostic PromQL built from an alert's labels. Labels come from whoever sent the alert, so they are
 * data: every value goes into a double-quoted string literal with backslash, double quote and line
 * breaks escaped (PromQL string literals follow Go's escaping), and a label name that is not a valid
 * Prometheus label name is left out rather than spliced into the selector.
 */

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Labels that identify a series well enough to narrow a query; others (severity, team...) are routing, not series.
const SELECTOR_LABELS = ['job', 'instance', 'service', 'namespace', 'pod', 'container', 'deployment', 'cluster', 'database', 'db'];

/**
 * A label name a selector may carry. Names starting with `__` are Prometheus's own (`__name__` is the
 * metric name: `ALERTS{__name__="x"}` would select another metric, not narrow ALERTS); alerts never have them.
 */
export const isLabelName = (name: string): boolean => LABEL_NAME.test(name) && !name.startsWith('__');

/** A PromQL double-quoted string literal holding `value` verbatim. */
export function promqlString(value: string): string {
  const escaped = value.replace(/[\\"\n\r\t\u2028\u2029]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '"':
        return '\\"';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        // U+2028/2029 are legal inside Go strings but confuse editors and logs; \u keeps them exact.
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
  return `"${escaped}"`;
}

/** `{job="api",instance="a:9100"}` from the identifying labels that are valid names; `{}` when none. */
export function selectorOf(labels: Record<string, string>): string {
  const pairs = SELECTOR_LABELS.filter((name) => isLabelName(name) && labels[name] !== undefined && labels[name] !== '').map(
    (name) => `${name}=${promqlString(labels[name])}`,
  );
  return `{${pairs.join(',')}}`;
}

export interface DiagnosticQuery {
  description: string;
  promql: string;
}

const MAX_PROMQL = 2000;

/** A handful of queries an on-call engineer would type first, narrowed to the alert's series. */
export function diagnosticQueries(labels: Record<string, string>): DiagnosticQuery[] {
  const selector = selectorOf(labels);
  const alertSelector = allLabelsSelector(labels);
  const queries: DiagnosticQuery[] = [
    { description: 'Is the alert still firing, and for which series', promql: `ALERTS${alertSelector}` },
    { description: 'Are the targets up', promql: `up${selector}` },
    {
      description: 'Restarts in the last hour (process start time changed)',
      promql: `changes(process_start_time_seconds${selector}[1h])`,
    },
    {
      description: 'HTTP 5xx ratio over 5 minutes',
      promql: `sum(rate(http_requests_total${withMatcher(selector, 'status=~"5.."')}[5m])) / sum(rate(http_requests_total${selector}[5m]))`,
    },
    { description: 'Resident memory', promql: `process_resident_memory_bytes${selector}` },
    { description: 'CPU seconds per second', promql: `rate(process_cpu_seconds_total${selector}[5m])` },
  ];
  return queries.filter((q) => q.promql.length <= MAX_PROMQL);
}

/**
 * ALERTS carries every label of the alert, so its selector uses them all (sorted, for a stable text);
 * a name Prometheus would not accept is dropped: it cannot be quoted, and it could not match anyway.
 */
export function allLabelsSelector(labels: Record<string, string>): string {
  const names = Object.keys(labels)
    .filter(isLabelName)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pairs: string[] = [];
  let length = 2;
  for (const name of names) {
    const pair = `${name}=${promqlString(labels[name])}`;
    // Past the size limit the query gets less specific, never invalid.
    if (length + pair.length + 1 > MAX_PROMQL - 'ALERTS'.length) continue;
    pairs.push(pair);
    length += pair.length + 1;
  }
  return `{${pairs.join(',')}}`;
}

function withMatcher(selector: string, matcher: string): string {
  return selector === '{}' ? `{${matcher}}` : `${selector.slice(0, -1)},${matcher}}`;
}
