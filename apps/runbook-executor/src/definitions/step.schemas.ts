import { z } from 'zod';
import { SeveritySchema } from '@firebreak/contracts';
import { durationSchema } from '../common/duration';

const template = z.string().max(8_000);
const noTemplate = (what: string) => z.string().refine((value) => !value.includes('{{'), `${what} cannot be templated`);

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const HttpWithSchema = z.strictObject({
  method: z.enum(HTTP_METHODS).default('GET'),
  url: template,
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a header name'), template).default({}),
  /** JSON body; string leaves are templates rendered as plain text. */
  body: z.unknown().optional(),
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  /**
   * A service in config/services.yaml (a template, e.g. `{{ alert.labels.job }}`): the URL's host:port must be
   * one of its instances, else the step is refused. For probes whose outcome decides what is done to a service.
   */
  instanceOf: template.optional(),
});

export const CommandWithSchema = z.strictObject({
  path: noTemplate('the executable path').refine((value) => value.startsWith('/'), 'must be an absolute path'),
  args: z.array(template).max(100).default([]),
  expectExitCode: z.array(z.number().int().min(0).max(255)).min(1).default([0]),
});

export const PrometheusWithSchema = z.strictObject({
  query: template,
  expect: z.string().regex(/^(==|!=|<=|>=|<|>)\s*-?\d+(\.\d+)?$/, 'must be a comparison such as "== 1" or "< 0.05"'),
  holdFor: durationSchema.optional(),
  interval: durationSchema.default(5_000),
  /** An empty result meets the expectation (e.g. "no 5xx series at all"). */
  allowEmpty: z.boolean().default(false),
});

export const SqlWithSchema = z.strictObject({
  connection: z.string().min(1),
  statement: noTemplate('the SQL statement').pipe(z.string().min(1).max(20_000)),
  params: z.array(template).max(100).default([]),
  maxRows: z.number().int().min(0).max(10_000).default(100),
});

export const WaitWithSchema = z.strictObject({ duration: durationSchema });

export const ApprovalWithSchema = z.strictObject({ summary: template.optional() });

export const NotifyWithSchema = z.strictObject({
  channels: z.array(z.string().min(1)).default([]),
  severity: SeveritySchema.optional(),
  title: template.optional(),
  text: template,
  /** Send in `dry_run` and `drill` too; otherwise the step is recorded as "would notify" and pages nobody. */
  notifyInDrills: z.boolean().default(false),
});

/** Ends the run as failed with this reason (with `onFailure: escalate`, a person is told): a runbook's "stop here". */
export const FailWithSchema = z.strictObject({ reason: template.pipe(z.string().min(1)) });

export const PUBLISHABLE_SUBJECTS = ['runbooks.requested', 'notifications.requested', 'alerts.received'] as const;
export const PublishWithSchema = z.strictObject({
  subject: z.enum(PUBLISHABLE_SUBJECTS),
  data: z.record(z.string(), z.unknown()),
});

export const DLQ_REASONS = ['invalid', 'handler_failed', 'permanent_error'] as const;
export const DlqWithSchema = z.strictObject({
  action: z.enum(['inspect', 'replay', 'archive']),
  /** Which dead letters this step acts on; `replay` defaults to handler_failed (a transient failure). */
  reasons: z.array(z.enum(DLQ_REASONS)).min(1).optional(),
  subjects: z.array(z.string().min(1)).optional(),
  limit: z.number().int().min(1).max(10_000).default(1_000),
});

const stepTypes = {
  http: HttpWithSchema,
  command: CommandWithSchema,
  prometheus: PrometheusWithSchema,
  sql: SqlWithSchema,
  wait: WaitWithSchema,
  approval: ApprovalWithSchema,
  notify: NotifyWithSchema,
  publish: PublishWithSchema,
  dlq: DlqWithSchema,
  fail: FailWithSchema,
} as const;

export type StepType = keyof typeof stepTypes;
export const STEP_TYPES = Object.keys(stepTypes) as StepType[];

const common = {
  name: z.string().max(200).optional(),
  timeout: durationSchema.optional(),
  retries: z
    .strictObject({
      max: z.number().int().min(0).max(20),
      backoff: durationSchema.default(1_000),
      factor: z.number().min(1).max(10).default(2),
      maxBackoff: durationSchema.default(60_000),
    })
    .optional(),
  if: z.string().min(1).max(2_000).optional(),
  risk: z.enum(['low', 'high']).default('low'),
  mutating: z.boolean().optional(),
  idempotent: z.boolean().default(false),
};

export const STEP_ID = /^[a-z][a-z0-9_]{0,62}$/;
const stepId = z.string().regex(STEP_ID, 'must be lowercase letters, digits and _ (it is used as steps.<id> in conditions)');

type Extra = z.ZodRawShape;

function unionOf(extra: Extra) {
  const options = STEP_TYPES.map((uses) => z.strictObject({ ...common, ...extra, uses: z.literal(uses), with: stepTypes[uses] }));
  return z.discriminatedUnion('uses', options as unknown as [(typeof options)[number], ...Array<(typeof options)[number]>], {
    error: (issue) => (issue.code === 'invalid_union' ? `uses must be one of ${STEP_TYPES.join(', ')}` : undefined),
  });
}

export const RollbackStepSchema = unionOf({ id: stepId.optional() });

export const StepSchema = unionOf({
  id: stepId,
  onFailure: z.enum(['abort', 'continue', 'rollback', 'escalate']).default('abort'),
  rollback: z.array(RollbackStepSchema).max(20).default([]),
});

export type HttpWith = z.infer<typeof HttpWithSchema>;
export type CommandWith = z.infer<typeof CommandWithSchema>;
export type PrometheusWith = z.infer<typeof PrometheusWithSchema>;
export type SqlWith = z.infer<typeof SqlWithSchema>;
export type WaitWith = z.infer<typeof WaitWithSchema>;
export type ApprovalWith = z.infer<typeof ApprovalWithSchema>;
export type NotifyWith = z.infer<typeof NotifyWithSchema>;
export type PublishWith = z.infer<typeof PublishWithSchema>;
export type DlqWith = z.infer<typeof DlqWithSchema>;
export type FailWith = z.infer<typeof FailWithSchema>;

export type TypedStep =
  | { uses: 'http'; with: HttpWith }
  | { uses: 'command'; with: CommandWith }
  | { uses: 'prometheus'; with: PrometheusWith }
  | { uses: 'sql'; with: SqlWith }
  | { uses: 'wait'; with: WaitWith }
  | { uses: 'approval'; with: ApprovalWith }
  | { uses: 'notify'; with: NotifyWith }
  | { uses: 'publish'; with: PublishWith }
  | { uses: 'dlq'; with: DlqWith }
  | { uses: 'fail'; with: FailWith };

export type OnFailure = 'abort' | 'continue' | 'rollback' | 'escalate';

export interface StepBase {
  id: string;
  name?: string;
  timeout?: number;
  retries?: { max: number; backoff: number; factor: number; maxBackoff: number };
  if?: string;
  risk: 'low' | 'high';
  mutating?: boolean;
  idempotent: boolean;
}

export type RollbackStep = StepBase & TypedStep;
export type Step = StepBase & TypedStep & { onFailure: OnFailure; rollback: RollbackStep[] };
/** Either kind; what the step runners and the attempt loop work on. */
export type AnyStep = Step | RollbackStep;
