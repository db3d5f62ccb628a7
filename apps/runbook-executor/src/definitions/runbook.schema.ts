import { z } from 'zod';
import { Severity, SeveritySchema } from '@firebreak/contracts';
import { drillTargetSchema, durationSchema } from '../common/duration';
import { UNKNOWN_RUNBOOK } from './metric-labels';
import { AnyStep, RollbackStep, Step, StepSchema } from './step.schemas';

const ParamSpecSchema = z.strictObject({
  type: z.enum(['string', 'number', 'boolean']).default('string'),
  required: z.boolean().default(false),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  pattern: z.string().max(500).optional(),
  description: z.string().max(1_000).optional(),
});

export const RunbookSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be lowercase letters, digits and _')
      // Metrics label every id outside the catalogue `unknown`: a runbook of that name would be indistinguishable.
      .refine((id) => id !== UNKNOWN_RUNBOOK, `"${UNKNOWN_RUNBOOK}" is reserved`),
    title: z.string().min(1).max(200),
    description: z.string().max(2_000).default(''),
    severity: SeveritySchema,
    tags: z.array(z.string().min(1).max(50)).max(30).default([]),
    mode: z.enum(['automatic', 'approval', 'manual']).default('automatic'),
    /**
     * `annotation`: an alert's own `automation_runbook` annotation may choose this runbook. Any sender can set
     * annotations, so a runbook is chosen that way only when it opts in; mappings (config file or API, set by
     * admins) may choose any runbook.
     */
    selectable: z.literal('annotation').optional(),
    timeout: durationSchema.optional(),
    concurrency: z
      .strictObject({
        key: z.string().max(500).optional(),
        limit: z.number().int().min(1).max(1_000).default(1),
        /** Running executions of this runbook whatever the key. */
        max: z.number().int().min(1).max(1_000).optional(),
      })
      .optional(),
    loop: z.strictObject({ maxRuns: z.number().int().min(1).max(1_000), window: durationSchema }).optional(),
    circuitBreaker: z.strictObject({ failures: z.number().int().min(1).max(1_000), window: durationSchema }).optional(),
    approvalTimeout: durationSchema.optional(),
    verify: z.strictObject({ resolvedWithin: durationSchema }).optional(),
    onCancel: z.enum(['stop', 'rollback']).default('stop'),
    drill: z.strictObject({ target: drillTargetSchema }).optional(),
    params: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be lowercase letters, digits and _'), ParamSpecSchema).default({}),
    steps: z.array(StepSchema).min(1).max(100),
  })
  .superRefine((runbook, ctx) => {
    const seen = new Set<string>();
    (runbook.steps as unknown as Step[]).forEach((step, index) => {
      if (seen.has(step.id))
        ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `"${step.id}" is used by an earlier step` });
      seen.add(step.id);
    });
  });

export type ParamSpec = z.infer<typeof ParamSpecSchema>;

/** A validated runbook; durations are milliseconds, rollback steps have ids. */
export interface Runbook {
  id: string;
  title: string;
  description: string;
  severity: Severity;
  tags: string[];
  mode: 'automatic' | 'approval' | 'manual';
  selectable?: 'annotation';
  timeout?: number;
  concurrency?: { key?: string; limit: number; max?: number };
  loop?: { maxRuns: number; window: number };
  circuitBreaker?: { failures: number; window: number };
  approvalTimeout?: number;
  verify?: { resolvedWithin: number };
  onCancel: 'stop' | 'rollback';
  drill?: { target: number };
  params: Record<string, ParamSpec>;
  steps: Step[];
}

/** Rollback steps get ids from their parent (`restart_rollback_1`) so attempts and events name them. */
export function normaliseRunbook(parsed: z.infer<typeof RunbookSchema>): Runbook {
  const runbook = parsed as unknown as Runbook;
  return {
    ...runbook,
    steps: runbook.steps.map((step) => ({
      ...step,
      rollback: step.rollback.map((undo, index) => ({ ...undo, id: undo.id ?? `${step.id}_rollback_${index + 1}` }) as RollbackStep),
    })),
  };
}

/** Whether a step changes something outside: skipped in dry_run and drill, and never re-run blindly after a crash. */
export function isMutating(step: AnyStep): boolean {
  if (step.mutating !== undefined) return step.mutating;
  switch (step.uses) {
    case 'http':
      return step.with.method !== 'GET' && step.with.method !== 'HEAD';
    case 'dlq':
      return step.with.action !== 'inspect';
    case 'command':
    case 'sql':
    case 'publish':
      return true;
    case 'prometheus':
    case 'wait':
    case 'approval':
    case 'notify':
    case 'fail':
      return false;
  }
}

/** Safe to run again after a crash interrupted it. */
export function isRerunnable(step: AnyStep): boolean {
  return !isMutating(step) || step.idempotent;
}
