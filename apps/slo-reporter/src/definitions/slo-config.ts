import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { ConfigError, parseDuration } from '@firebreak/platform';
import { THIRTY_DAYS_MS, tiersFor } from '../core/burn-math';
import { SIGNALS } from '../core/signals';
import { Indicator, SloDefinition, SloWindow, WINDOW_PLACEHOLDER } from './slo-definition';

/*
 * config/slos.yaml: OpenSLO v1 `kind: SLO` documents, either as a YAML stream (documents separated by
 * `---`, as OpenSLO tools write them) or as a list under `slos:`. Other OpenSLO kinds (Service,
 * AlertPolicy, ...) are skipped. Queries hold no secrets, so no `${ENV}` expansion here. Firebreak's own settings sit beside `spec` under `firebreak:`, so a
 * plain OpenSLO document loads unchanged.
 */

const DAY = 86_400_000;
/** Keys of the compliance answer (seed 004's shape) that an SLO name would collide with. */
const RESERVED_NAMES = new Set(['status', 'd_from', 'd_to', 'days_analyzed', 'overall_pass']);

const duration = (what: string) =>
  z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a duration such as 5m, 1h or 1d` });
      return z.NEVER;
    }
    return ms;
  });

const firebreakSource = z.object({
  type: z.string().regex(/^firebreak$/i, 'is Firebreak or Prometheus'),
  spec: z.object({ signals: z.array(z.enum(SIGNALS)).min(1) }),
});
const prometheusSource = z.object({
  type: z.string().regex(/^prometheus$/i, 'is Firebreak or Prometheus'),
  spec: z.object({ query: z.string().min(1) }),
});
const metricSource = z.object({ metricSource: z.union([firebreakSource, prometheusSource]) });

const ratioMetric = z
  .object({ counter: z.boolean().optional(), good: metricSource.optional(), bad: metricSource.optional(), total: metricSource })
  .refine((ratio) => (ratio.good === undefined) !== (ratio.bad === undefined), { message: 'needs exactly one of good and bad' });

const indicatorSpec = z
  .object({ ratioMetric: ratioMetric.optional(), thresholdMetric: metricSource.optional() })
  .refine((spec) => (spec.ratioMetric === undefined) !== (spec.thresholdMetric === undefined), {
    message: 'needs exactly one of ratioMetric and thresholdMetric',
  });

const timeWindow = z.union([
  z.object({
    duration: z.string().regex(/^\d+[dw]$/, 'a rolling window is days or weeks, such as 7d, 28d, 30d or 4w'),
    isRolling: z.literal(true),
  }),
  z.object({
    duration: z.literal('1M', { message: 'a calendar window is one month: 1M' }),
    isRolling: z.literal(false),
    calendar: z
      .object({
        startTime: z.string().optional(),
        timeZone: z.enum(['UTC', 'Etc/UTC'], { message: 'only UTC calendar months are supported' }).default('UTC'),
      })
      .optional(),
  }),
]);

const objective = z.object({
  displayName: z.string().optional(),
  target: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1 (0.99 means 99 %)'),
  op: z.enum(['lt', 'lte', 'gt', 'gte']).optional(),
  value: z.number().optional(),
  timeSliceTarget: z.number().gt(0).lte(1).optional(),
  timeSliceWindow: duration('timeSliceWindow').optional(),
});

const firebreakExtension = z
  .object({
    /** Events (Occurrences) or time slices (Timeslices) the short window must hold before a tier may fire. */
    minEvents: z.number().int().min(0).optional(),
    noDataAfter: z.union([duration('noDataAfter'), z.null()]).optional(),
    labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names are Prometheus label names'), z.string()).default({}),
  })
  .default({ labels: {} });

export const openSloDocumentSchema = z.object({
  apiVersion: z.literal('openslo/v1', { message: 'must be openslo/v1' }),
  kind: z.literal('SLO'),
  metadata: z.object({
    name: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/, 'must be lowercase letters, digits, - and _ (at most 63)')
      .refine((name) => !RESERVED_NAMES.has(name), 'is a reserved name'),
    displayName: z.string().optional(),
  }),
  spec: z.object({
    description: z.string().default(''),
    service: z.string().min(1),
    indicator: z.object({ metadata: z.object({ name: z.string() }).optional(), spec: indicatorSpec }).optional(),
    indicatorRef: z.string().optional(),
    timeWindow: z.array(timeWindow).length(1, 'needs exactly one time window'),
    budgetingMethod: z.enum(['Occurrences', 'Timeslices'], { message: 'must be Occurrences or Timeslices' }),
    objectives: z.array(objective).length(1, 'needs exactly one objective'),
  }),
  firebreak: firebreakExtension,
});
export type OpenSloDocument = z.infer<typeof openSloDocumentSchema>;

type Issue = { path: Array<string | number>; message: string };

/** Checks what one document means beyond its shape; returns the definition or the problems. */
export function toDefinition(doc: OpenSloDocument): { slo?: SloDefinition; issues: Issue[] } {
  const issues: Issue[] = [];
  const { spec } = doc;
  if (!spec.indicator) {
    issues.push({
      path: ['spec', 'indicator'],
      message: spec.indicatorRef ? 'indicatorRef is not supported: inline the indicator' : 'is required',
    });
    return { issues };
  }
  const window: SloWindow =
    spec.timeWindow[0].isRolling === true
      ? { kind: 'rolling', ms: parseWindow(spec.timeWindow[0].duration), text: spec.timeWindow[0].duration }
      : { kind: 'calendar', text: '1M' };
  if (window.kind === 'rolling' && (window.ms < DAY || window.ms > 90 * DAY))
    issues.push({ path: ['spec', 'timeWindow', 0, 'duration'], message: 'must be between 1d and 90d' });

  const target = spec.objectives[0];
  const { ratioMetric, thresholdMetric } = spec.indicator.spec;
  const indicatorPath = ['spec', 'indicator', 'spec'];
  let indicator: Indicator | undefined;
  if (ratioMetric) {
    const parts = { good: ratioMetric.good, bad: ratioMetric.bad, total: ratioMetric.total };
    const sources = Object.values(parts).filter((part) => part !== undefined);
    const types = new Set(sources.map((part) => part.metricSource.type.toLowerCase()));
    if (types.size > 1)
      issues.push({ path: [...indicatorPath, 'ratioMetric'], message: 'good/bad and total must come from one source type' });
    else if (spec.budgetingMethod === 'Timeslices')
      issues.push({
        path: ['spec', 'budgetingMethod'],
        message: 'a ratioMetric is budgeted by Occurrences (Timeslices needs a thresholdMetric)',
      });
    else if (types.has('firebreak')) {
      const signals = (part: (typeof parts)['total'] | undefined) =>
        part ? (part.metricSource.spec as { signals: Array<(typeof SIGNALS)[number]> }).signals : null;
      indicator = { source: 'firebreak', kind: 'ratio', good: signals(parts.good), bad: signals(parts.bad), total: signals(parts.total)! };
    } else {
      const query = (name: 'good' | 'bad' | 'total') => {
        const part = parts[name];
        if (!part) return null;
        const text = (part.metricSource.spec as { query: string }).query;
        if (!text.includes(WINDOW_PLACEHOLDER))
          issues.push({
            path: [...indicatorPath, 'ratioMetric', name, 'metricSource', 'spec', 'query'],
            message: `must count events over ${WINDOW_PLACEHOLDER}, e.g. sum(increase(http_requests_total[${WINDOW_PLACEHOLDER}]))`,
          });
        return text;
      };
      indicator = { source: 'prometheus', kind: 'ratio', good: query('good'), bad: query('bad'), total: query('total')! };
    }
  } else if (thresholdMetric) {
    const path = [...indicatorPath, 'thresholdMetric', 'metricSource'];
    if (thresholdMetric.metricSource.type.toLowerCase() !== 'prometheus')
      issues.push({ path: [...path, 'type'], message: 'a thresholdMetric comes from Prometheus' });
    if (spec.budgetingMethod !== 'Timeslices')
      issues.push({ path: ['spec', 'budgetingMethod'], message: 'a thresholdMetric is budgeted by Timeslices' });
    if (target.op === undefined || target.value === undefined)
      issues.push({ path: ['spec', 'objectives', 0], message: 'a thresholdMetric objective needs op and value' });
    // OpenSLO's timeSliceTarget is the share of good events a slice needs (ratio timeslices); a threshold
    // slice is good when its value meets op/value, so a target here would silently mean nothing.
    if (target.timeSliceTarget !== undefined)
      issues.push({
        path: ['spec', 'objectives', 0, 'timeSliceTarget'],
        message: 'is not supported: a thresholdMetric slice is good when its value meets op and value',
      });
    const query = (thresholdMetric.metricSource.spec as { query?: string }).query ?? '';
    if (!query.includes(WINDOW_PLACEHOLDER))
      issues.push({ path: [...path, 'spec', 'query'], message: `must use ${WINDOW_PLACEHOLDER} as the range of its rate()` });
    indicator = {
      source: 'prometheus',
      kind: 'threshold',
      query,
      op: target.op ?? 'lte',
      value: target.value ?? 0,
      sliceMs: target.timeSliceWindow ?? 60_000,
    };
    const sliceMs = indicator.sliceMs;
    // Slices end on multiples of their length, so whole UTC days (the compliance API) hold whole slices.
    if (sliceMs < 1000 || sliceMs % 1000 !== 0 || DAY % sliceMs !== 0)
      issues.push({ path: ['spec', 'objectives', 0, 'timeSliceWindow'], message: 'must be whole seconds that divide a day (1m, 5m, 1h…)' });
  }
  if (indicator?.kind === 'threshold' && doc.firebreak.minEvents !== undefined) {
    // The guard counts slices here: more than the shortest window holds would keep the page tiers quiet forever.
    const periodMs = window.kind === 'rolling' ? window.ms : THIRTY_DAYS_MS;
    const slices = tiersFor(periodMs, indicator.sliceMs)[0].shortMs / indicator.sliceMs;
    if (doc.firebreak.minEvents > slices)
      issues.push({
        path: ['firebreak', 'minEvents'],
        message: `counts time slices for Timeslices; the shortest window holds ${slices}, so at most ${slices}`,
      });
  }
  if (!indicator || issues.length > 0) return { issues };
  return {
    issues,
    slo: {
      id: doc.metadata.name,
      displayName: doc.metadata.displayName ?? doc.metadata.name,
      service: spec.service,
      description: spec.description,
      objective: target.target,
      window,
      budgeting: spec.budgetingMethod,
      indicator,
      // Timeslices count slices, not events: one slice is enough evidence (its value is already an aggregate).
      minEvents: doc.firebreak.minEvents ?? (indicator.kind === 'threshold' ? 1 : 10),
      // A broken metric reads as all good, so Prometheus SLOs watch for no data unless told not to; events
      // may rightly be quiet (no notifications to send), so SLOs over them do not.
      noDataAfterMs:
        doc.firebreak.noDataAfter === undefined ? (indicator.source === 'prometheus' ? 15 * 60_000 : null) : doc.firebreak.noDataAfter,
      labels: doc.firebreak.labels,
    },
  };
}

function parseWindow(text: string): number {
  const count = Number(text.slice(0, -1));
  return count * (text.endsWith('w') ? 7 : 1) * DAY;
}

/** Parses the text of slos.yaml; every problem is reported with the document and field it is about. */
export function parseSloFile(text: string, path: string): SloDefinition[] {
  const problems: string[] = [];
  const documents = parseAllDocuments(text);
  const raws: Array<{ where: string; raw: unknown }> = [];
  const list = Array.isArray(documents) ? documents : [documents];
  for (const [index, document] of list.entries()) {
    if (document.errors.length > 0) {
      problems.push(...document.errors.map((error) => `${path}: ${error.message}`));
      continue;
    }
    const raw: unknown = document.toJS() ?? null;
    if (raw === null) continue;
    if (typeof raw === 'object' && !Array.isArray(raw) && 'slos' in raw) {
      const slos = (raw as { slos: unknown }).slos;
      if (!Array.isArray(slos)) problems.push(`${path}: slos: must be a list of OpenSLO SLO documents`);
      else slos.forEach((slo, at) => raws.push({ where: `slos.${at}`, raw: slo }));
    } else raws.push({ where: list.length > 1 ? `document ${index + 1}` : '(root)', raw });
  }
  const slos: SloDefinition[] = [];
  for (const { where, raw } of raws) {
    // OpenSLO files mix kinds; only SLOs are the reporter's.
    if (
      typeof raw === 'object' &&
      raw !== null &&
      (raw as { kind?: unknown }).kind !== 'SLO' &&
      (raw as { apiVersion?: unknown }).apiVersion === 'openslo/v1'
    )
      continue;
    const parsed = openSloDocumentSchema.safeParse(raw);
    const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    const at = typeof name === 'string' ? `${where} (${name})` : where;
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `${path}: ${at}: ${issue.path.join('.') || '(root)'}: ${issue.message}`));
      continue;
    }
    const { slo, issues } = toDefinition(parsed.data);
    problems.push(...issues.map((issue) => `${path}: ${at}: ${issue.path.join('.')}: ${issue.message}`));
    if (slo) {
      if (slos.some((other) => other.id === slo.id)) problems.push(`${path}: ${at}: metadata.name: ${slo.id} is defined twice`);
      slos.push(slo);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return slos;
}

/** Reads `<dir>/<file>`; a missing file means no SLOs. */
export function loadSloFile(dir: string, file: string): SloDefinition[] {
  const path = resolve(dir, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError([`${path}: cannot read (${(error as Error).message})`]);
  }
  return parseSloFile(text, path);
}
