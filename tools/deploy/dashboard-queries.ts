/**
 * Reads the PromQL out of Grafana dashboard JSON so tests can hand it to promtool and compare the
 * metric names with what the services expose. Grafana variables are replaced by values PromQL accepts.
 */

export interface DashboardQuery {
  dashboard: string;
  /** Where it came from: `panel 3 "Title" A` or `variable channel`. */
  where: string;
  /** The expression as stored, with Grafana variables. */
  raw: string;
  /** The expression with every variable replaced: plain PromQL. */
  expr: string;
}

/** Grafana's built-in interval variables, as a typical 6-hour view resolves them. */
const BUILTINS: Record<string, string> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '6h',
  __interval_ms: '60000',
  __range_s: '21600',
  __range_ms: '21600000',
};

const VARIABLE = /\$\{(\w+)(?::[\w-]+)?\}|\[\[(\w+)(?::[\w-]+)?\]\]|\$(\w+)/g;

interface Panel {
  id?: number;
  title?: string;
  type?: string;
  targets?: Array<{ refId?: string; expr?: string }>;
  panels?: Panel[];
}

interface Dashboard {
  templating?: { list?: Array<{ name: string; type: string; query?: unknown }> };
  panels?: Panel[];
}

/** Every panel, rows' nested panels included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

export function dashboardQueries(name: string, dashboard: Dashboard): DashboardQuery[] {
  const variables = new Set((dashboard.templating?.list ?? []).map((variable) => variable.name));
  const queries: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      if (target.expr === undefined) continue;
      const where = `panel ${panel.id} "${panel.title}" ${target.refId}`;
      queries.push({ dashboard: name, where, raw: target.expr, expr: substitute(target.expr, variables, `${name}: ${where}`) });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type !== 'query') continue;
    const text = typeof variable.query === 'string' ? variable.query : (variable.query as { query: string }).query;
    const where = `variable ${variable.name}`;
    queries.push({ dashboard: name, where, raw: text, expr: substitute(variableSelector(text), variables, `${name}: ${where}`) });
  }
  return queries;
}

/** `label_values(metric{…}, label)` → `metric{…}`, which is PromQL; other variable queries are PromQL already. */
export function variableSelector(query: string): string {
  const match = /^\s*label_values\(\s*(.+?)\s*,\s*\w+\s*\)\s*$/s.exec(query);
  return match ? match[1] : query;
}

/** Replaces Grafana variables; a variable the dashboard does not define is an error naming it. */
export function substitute(expr: string, defined: ReadonlySet<string>, where: string): string {
  return expr.replace(VARIABLE, (whole, braced?: string, bracketed?: string, bare?: string) => {
    const name = braced ?? bracketed ?? bare ?? '';
    if (name in BUILTINS) return BUILTINS[name];
    // Dashboard variables are multi-value with "All" = `.*`, used only in =~ matchers.
    if (defined.has(name)) return '.*';
    throw new Error(`${where}: ${whole} is not a variable the dashboard defines`);
  });
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * The metric names an expression selects. Not a full parser (promtool checks the syntax): strings,
 * label matchers, grouping clauses and ranges are blanked, and what remains that is not a function,
 * keyword or number is a metric name.
 */
export function metricNames(expr: string): string[] {
  const blanked = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, '[]');
  const names = new Set<string>();
  for (const match of blanked.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = blanked[match.index - 1] ?? ' ';
    const after = blanked.slice(match.index + match[0].length).trimStart();
    if (/[0-9.]/.test(before) || after.startsWith('(') || KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names].sort();
}

/** Names a Prometheus text exposition makes selectable: histograms as _bucket, _sum and _count. */
export function exposedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const match of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = match;
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
    else names.add(name);
  }
  return names;
}

/** One recording rule per query, so `promtool check rules` parses every expression. */
export function asRecordingRules(queries: DashboardQuery[]): string {
  const lines = ['groups:', '  - name: dashboards', '    rules:'];
  queries.forEach((query, index) => {
    lines.push(`      - record: dashboard:query_${index}`, `        expr: ${JSON.stringify(query.expr)}`);
  });
  return `${lines.join('\n')}\n`;
}
