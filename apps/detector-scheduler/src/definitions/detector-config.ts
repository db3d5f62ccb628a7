import { resolve as resolvePath } from 'node:path';
import { z } from 'zod';
import { EVENTS, isSubject, SeveritySchema, Subject, SUBJECTS } from '@firebreak/contracts';
import { ConfigError, loadYamlConfig } from '@firebreak/platform';
import { pathSegments } from './data-path';
import { pathProblem } from './event-path';
import { connectionName, duration, expectation, ID, LABEL_NAME, onNoData, re2, template } from './detector-fields';
import { checkCronPattern, CronSchedule, IntervalSchedule, Schedule } from './schedule';

const common = {
  id: z.string().regex(ID, 'must be letters, digits, _ . - (at most 100, starting with a letter or digit)'),
  /** The alert's `alertname`; the id when absent. */
  name: z
    .string()
    .regex(/^[A-Za-z_:][A-Za-z0-9_:.-]*$/, 'must be a Prometheus-style alert name')
    .optional(),
  description: z.string().max(2_000).optional(),
  interval: duration.optional(),
  cron: z
    .string()
    .superRefine((pattern, ctx) => {
      try {
        checkCronPattern(pattern);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `is not a cron pattern: ${(error as Error).message}` });
      }
    })
    .optional(),
  timeout: duration.optional(),
  severity: SeveritySchema.default('warning'),
  labels: z
    .record(z.string().regex(LABEL_NAME, 'label names must be Prometheus label names'), z.string())
    .refine((labels) => !('alertname' in labels || 'detector' in labels), 'alertname and detector are set by the detector itself')
    .default({}),
  /** summary/description templates: `{{value}}`, `{{message}}`, `{{id}}`, `{{expect}}`, `{{extras.*}}`; automation_runbook allowed. */
  annotations: z.record(z.string(), template).default({}),
  failureThreshold: z.number().int().min(1).max(1_000).default(1),
  successThreshold: z.number().int().min(1).max(1_000).default(1),
  enabled: z.boolean().default(true),
};

const bodyCondition = z
  .strictObject({
    /** A dotted path into the JSON body (`data.items.0.status`, `$.status`); absent = the raw body. */
    path: z.string().min(1).optional(),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    matches: re2.optional(),
  })
  .refine((condition) => (condition.equals !== undefined) !== (condition.matches !== undefined), 'give exactly one of equals or matches')
  .refine((condition) => condition.path !== undefined || condition.matches !== undefined, 'equals needs a path');

const statusList = z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]);

export const HttpDetectorSchema = z.strictObject({
  ...common,
  type: z.literal('http'),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  expect: z
    .strictObject({
      /** Accepted status codes; any 2xx when absent. */
      status: statusList.optional(),
      maxLatency: duration.optional(),
      body: z.array(bodyCondition).default([]),
    })
    .prefault({}),
});

export const PostgresSizeDetectorSchema = z.strictObject({
  ...common,
  type: z.literal('postgres_size'),
  /** A connection from connections.yaml; Firebreak's own database when absent. */
  connection: connectionName.optional(),
  /** `schema.table` (with indexes and TOAST); the whole database when absent. */
  table: z
    .string()
    .regex(/^([A-Za-z_][A-Za-z0-9_$]*\.)?[A-Za-z_][A-Za-z0-9_$]*$/, 'must be table or schema.table')
    .optional(),
  expect: expectation,
});

export const NatsConsumerLagDetectorSchema = z.strictObject({
  ...common,
  type: z.literal('nats_consumer_lag'),
  /** The stream's base name (FIREBREAK_ALERTS, FIREBREAK_DLQ, …); the installation's prefix is applied. */
  stream: z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a stream name'),
  /** A durable consumer: its pending messages. Absent: the messages the stream holds (a DLQ that is not empty). */
  consumer: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be a consumer name')
    .optional(),
  expect: expectation,
});

const matchValue = z.union([z.string(), z.number(), z.boolean(), z.null()], { message: 'must be a string, number, boolean or null' });

/**
 * A bus event that counts as a beat: its subject from the catalogue, and the values its data must
 * hold at dotted paths (strict equality, as an http body `equals`). No `match`: any event of the subject.
 */
const HeartbeatEventSchema = z
  .strictObject({
    subject: z.string().transform((subject, ctx): Subject => {
      if (isSubject(subject)) return subject;
      ctx.addIssue({ code: 'custom', message: `"${subject}" is not a subject of the event catalogue (${SUBJECTS.join(', ')})` });
      return z.NEVER;
    }),
    match: z
      .record(z.string().regex(/^[A-Za-z0-9_$][A-Za-z0-9_$.[\]-]*$/, 'must be a dotted path into the event data'), matchValue)
      .default({}),
  })
  .superRefine((event, ctx) => {
    // A subject refused above leaves nothing to check the paths against.
    if (typeof event.subject !== 'string' || !isSubject(event.subject)) return;
    for (const path of Object.keys(event.match)) {
      const problem = pathProblem(EVENTS[event.subject].schema, pathSegments(path));
      if (problem) ctx.addIssue({ code: 'custom', path: ['match', path], message: `not in the data of ${event.subject}: ${problem}` });
    }
  });

export const HeartbeatDetectorSchema = z.strictObject({
  ...common,
  type: z.literal('heartbeat'),
  /** A beat (POST /api/v1/heartbeats/:id, or a matching bus event) must have arrived within this long. */
  window: duration,
  event: HeartbeatEventSchema.optional(),
});

export const SqlDetectorSchema = z.strictObject({
  ...common,
  type: z.literal('sql'),
  connection: connectionName,
  /** Returns one number: the first column of the first row. Runs in a read-only transaction. */
  query: z.string().min(1).max(10_000),
  expect: expectation,
  onNoData,
});

export const PrometheusDetectorSchema = z.strictObject({
  ...common,
  type: z.literal('prometheus'),
  /** Prometheus base URL; PROMETHEUS_URL when absent. */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  query: z.string().min(1).max(10_000),
  /** Every sample must satisfy it. */
  expect: expectation,
  onNoData,
});

const DetectorSchema = z.discriminatedUnion(
  'type',
  [
    HttpDetectorSchema,
    PostgresSizeDetectorSchema,
    NatsConsumerLagDetectorSchema,
    HeartbeatDetectorSchema,
    SqlDetectorSchema,
    PrometheusDetectorSchema,
  ],
  { error: 'type must be one of http, postgres_size, nats_consumer_lag, heartbeat, sql, prometheus' },
);

type ParsedDetector = z.infer<typeof DetectorSchema>;

const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 300_000;

export const DetectorsFileSchema = z.strictObject({ detectors: z.array(DetectorSchema).default([]) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.detectors.forEach((detector, index) => {
    const at = (field: string) => ['detectors', index, field];
    if (seen.has(detector.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `"${detector.id}" is used by another detector` });
    seen.add(detector.id);
    if ((detector.interval === undefined) === (detector.cron === undefined))
      ctx.addIssue({ code: 'custom', path: at('interval'), message: 'give exactly one of interval or cron' });
    if (detector.interval !== undefined && detector.timeout !== undefined && detector.timeout > detector.interval)
      ctx.addIssue({ code: 'custom', path: at('timeout'), message: 'must not be longer than the interval' });
    // A cron schedule has no interval to bound it; a claim lives as long as the timeout, so keep both short.
    if (detector.timeout !== undefined && detector.timeout > MAX_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', path: at('timeout'), message: `must be at most ${MAX_TIMEOUT_MS / 60_000}m` });
  });
});

export type HttpDetector = Resolved<z.infer<typeof HttpDetectorSchema>>;
export type PostgresSizeDetector = Resolved<z.infer<typeof PostgresSizeDetectorSchema>>;
export type NatsConsumerLagDetector = Resolved<z.infer<typeof NatsConsumerLagDetectorSchema>>;
export type HeartbeatDetector = Resolved<z.infer<typeof HeartbeatDetectorSchema>>;
export type SqlDetector = Resolved<z.infer<typeof SqlDetectorSchema>>;
export type PrometheusDetector = Resolved<z.infer<typeof PrometheusDetectorSchema>>;

/** A detector as the file gave it, with its schedule built, its timeout settled and its alertname chosen. */
type Resolved<T> = Omit<T, 'timeout' | 'name'> & { name: string; timeoutMs: number; schedule: Schedule };
export type Detector = HttpDetector | PostgresSizeDetector | NatsConsumerLagDetector | HeartbeatDetector | SqlDetector | PrometheusDetector;
export type DetectorType = Detector['type'];

/** config/connections.yaml, the same file the executor's `sql` steps read: only the shape detectors need. */
const ConnectionsFileSchema = z.object({
  connections: z
    .array(
      z.object({
        name: z.string(),
        url: z.string().optional(),
        serviceDatabase: z.boolean().default(false),
        readOnly: z.boolean().default(false),
      }),
    )
    .default([]),
});

export interface NamedConnection {
  name: string;
  url: string;
}

export interface DetectorCatalog {
  detectors: Detector[];
  byId: ReadonlyMap<string, Detector>;
  connections: ReadonlyMap<string, NamedConnection>;
}

export const DETECTORS = Symbol('detector-scheduler:detectors');

function resolve(detector: ParsedDetector): Detector {
  const schedule = detector.interval !== undefined ? new IntervalSchedule(detector.interval) : new CronSchedule(detector.cron!);
  const timeoutMs = detector.timeout ?? Math.min(DEFAULT_TIMEOUT_MS, detector.interval ?? DEFAULT_TIMEOUT_MS);
  return { ...detector, name: detector.name ?? detector.id, timeoutMs, schedule } as Detector;
}

/**
 * config/detectors.yaml (and the connections its sql/postgres_size detectors name), checked once at
 * start: a bad file stops start-up naming the file and the field. A missing file means no detectors.
 */
export function loadDetectors(options: { configDir: string; databaseUrl: string; prometheusUrl?: string }): DetectorCatalog {
  const file = loadYamlConfig(options.configDir, 'detectors.yaml', DetectorsFileSchema, { optional: true });
  const needsConnections = file.detectors.some((d) => (d.type === 'sql' || d.type === 'postgres_size') && d.connection && d.enabled);
  const connections = new Map<string, NamedConnection>();
  // Where each connection sits in connections.yaml, to name the field of a connection that is not read-only.
  const readOnly = new Map<string, { index: number; readOnly: boolean }>();
  if (needsConnections) {
    const parsed = loadYamlConfig(options.configDir, 'connections.yaml', ConnectionsFileSchema, { optional: true });
    parsed.connections.forEach((entry, index) => {
      if (!entry.serviceDatabase && !entry.url) return;
      connections.set(entry.name, { name: entry.name, url: entry.serviceDatabase ? options.databaseUrl : entry.url! });
      readOnly.set(entry.name, { index, readOnly: entry.readOnly });
    });
  }
  // Cross-file checks, worded like the loader's field errors: file, place in the file, problem.
  const path = resolvePath(options.configDir, 'detectors.yaml');
  const connectionsPath = resolvePath(options.configDir, 'connections.yaml');
  const problems: string[] = [];
  const refused = new Set<string>();
  file.detectors.forEach((detector, index) => {
    if (!detector.enabled) return;
    if ((detector.type === 'sql' || detector.type === 'postgres_size') && detector.connection && !connections.has(detector.connection))
      problems.push(`${path}: detectors.${index}.connection: "${detector.connection}" is not defined in connections.yaml`);
    // A detector only reads: the connection must say so itself (the executor's runbooks may share the file and write).
    const connection = detector.type === 'sql' || detector.type === 'postgres_size' ? detector.connection : undefined;
    const declared = connection ? readOnly.get(connection) : undefined;
    if (connection && declared && !declared.readOnly && !refused.has(connection)) {
      refused.add(connection);
      problems.push(
        `${connectionsPath}: connections.${declared.index}.readOnly: "${connection}" is used by detector ${detector.id} (detectors.${index}.connection), so it must be readOnly: true`,
      );
    }
    if (detector.type === 'prometheus' && !detector.url && !options.prometheusUrl)
      problems.push(`${path}: detectors.${index}.url: give url, or set PROMETHEUS_URL`);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const detectors = file.detectors.map(resolve);
  return { detectors, byId: new Map(detectors.map((d) => [d.id, d])), connections };
}
