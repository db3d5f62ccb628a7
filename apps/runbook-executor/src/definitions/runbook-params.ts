import { AppError } from '@firebreak/platform';
import { Runbook } from './runbook.schema';

/**
 * Checks a manual run's params against the runbook's declared ones and applies defaults. A runbook
 * that declares none accepts any (they are data for templates either way).
 */
export function validateParams(runbook: Runbook, params: Record<string, unknown>): Record<string, unknown> {
  const specs = Object.entries(runbook.params);
  if (specs.length === 0) return params;
  const issues: string[] = [];
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(params))
    if (!runbook.params[name]) issues.push(`params.${name}: not a parameter of runbook ${runbook.id}`);
  for (const [name, spec] of specs) {
    const value = params[name] ?? spec.default;
    if (value === undefined || value === null) {
      if (spec.required) issues.push(`params.${name}: required`);
      continue;
    }
    if (typeof value !== spec.type) issues.push(`params.${name}: must be a ${spec.type}`);
    else if (typeof value === 'string' && value.length > 1_000) issues.push(`params.${name}: at most 1000 characters`);
    else if (typeof value === 'string' && spec.pattern && !new RegExp(`^(?:${spec.pattern})$`).test(value))
      issues.push(`params.${name}: must match ${spec.pattern}`);
    else out[name] = value;
  }
  if (issues.length) throw new AppError('validation_failed', issues.join('; '), 400, { issues });
  return out;
}

/** Alert-triggered requests carry no person to answer a 400: defaults are applied and the rest passed as is. */
export function withDefaults(runbook: Runbook | undefined, params: Record<string, unknown>): Record<string, unknown> {
  const defaults = Object.fromEntries(
    Object.entries(runbook?.params ?? {}).flatMap(([name, spec]) => (spec.default === undefined ? [] : [[name, spec.default]])),
  );
  return { ...defaults, ...params };
}
