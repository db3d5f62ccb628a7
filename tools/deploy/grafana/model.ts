/**
 * Grafana dashboards as data: the generator (tools/deploy/generate.ts) writes them as JSON into
 * deploy/grafana/dashboards, where compose's provisioning picks them up. Building them here keeps ids,
 * layout and the datasource reference consistent, which hand-edited JSON drifts from.
 */

export const SCHEMA_VERSION = 39;
/** Every panel reads the datasource the `datasource` variable names, so any Prometheus can be chosen. */
export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

export type Unit = 'short' | 'ops' | 's' | 'percentunit' | 'none';

export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description?: string;
  type?: 'timeseries' | 'stat';
  queries: Query[];
  unit?: Unit;
  /** Grid width out of 24 (default 12); height is 8 for graphs and 4 for stats. */
  width?: number;
  /** Stats: thresholds from green upwards, e.g. [{ value: 1, color: 'red' }]. */
  thresholds?: Array<{ value: number; color: string }>;
  /** The colour below the first threshold (default green). */
  baseColor?: string;
}

export interface RowSpec {
  row: string;
}

export interface VariableSpec {
  name: string;
  label: string;
  /** A `label_values(metric, label)` query. */
  query: string;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  variables?: VariableSpec[];
  panels: Array<PanelSpec | RowSpec>;
}

type Json = Record<string, unknown>;

export function buildDashboard(spec: DashboardSpec): Json {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['firebreak'],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    graphTooltip: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    timezone: 'browser',
    annotations: { list: [] },
    links: [{ title: 'Firebreak', type: 'dashboards', tags: ['firebreak'], asDropdown: true }],
    templating: { list: [datasourceVariable(), ...(spec.variables ?? []).map(queryVariable)] },
    panels: layout(spec.panels),
  };
}

function datasourceVariable(): Json {
  return { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0 };
}

/** Multi-select with "All" = `.*`, so expressions use `label=~"$name"`. */
function queryVariable(variable: VariableSpec): Json {
  return {
    name: variable.name,
    label: variable.label,
    type: 'query',
    datasource: DATASOURCE,
    query: { query: variable.query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    definition: variable.query,
    refresh: 2,
    sort: 1,
    multi: true,
    includeAll: true,
    allValue: '.*',
    current: { selected: true, text: ['All'], value: ['$__all'] },
    hide: 0,
  };
}

/** Rows of 24 columns, filled left to right; a row header starts a new line. Ids follow the order. */
function layout(items: Array<PanelSpec | RowSpec>): Json[] {
  const out: Json[] = [];
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  for (const item of items) {
    const id = out.length + 1;
    if ('row' in item) {
      y += lineHeight;
      out.push({ id, type: 'row', title: item.row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
      y += 1;
      x = 0;
      lineHeight = 0;
      continue;
    }
    const w = item.width ?? 12;
    const h = item.type === 'stat' ? 4 : 8;
    if (x + w > 24) {
      y += lineHeight;
      x = 0;
      lineHeight = 0;
    }
    out.push(panel(item, id, { h, w, x, y }));
    x += w;
    lineHeight = Math.max(lineHeight, h);
  }
  return out;
}

function panel(spec: PanelSpec, id: number, gridPos: Json): Json {
  const type = spec.type ?? 'timeseries';
  const thresholds = [{ value: null, color: spec.baseColor ?? 'green' }, ...(spec.thresholds ?? [])];
  return {
    id,
    type,
    title: spec.title,
    ...(spec.description ? { description: spec.description } : {}),
    gridPos,
    datasource: DATASOURCE,
    targets: spec.queries.map((query, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource: DATASOURCE,
      expr: query.expr,
      legendFormat: query.legend ?? '__auto',
      range: true,
      instant: false,
    })),
    fieldConfig: {
      defaults: { unit: spec.unit ?? 'short', thresholds: { mode: 'absolute', steps: thresholds } },
      overrides: [],
    },
    options: type === 'stat' ? statOptions() : graphOptions(),
  };
}

function graphOptions(): Json {
  return {
    legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
    tooltip: { mode: 'multi', sort: 'desc' },
  };
}

function statOptions(): Json {
  return {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    colorMode: 'value',
    graphMode: 'area',
    textMode: 'auto',
  };
}
