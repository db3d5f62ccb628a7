import ms from 'ms';
import { z } from 'zod';
import { Severity, SEVERITIES } from '@firebreak/contracts';
import { loadYamlConfig } from '@firebreak/platform';

/** A duration such as 30s, 5m, 1h, 1d; `none` (or empty) means this severity never escalates. */
const delaySchema = z
  .string({ message: 'must be a duration (e.g. 30s, 5m, 1h, 1d) or none' })
  .nullable()
  .transform((text, ctx): number | null => {
    if (text === null || text.trim() === 'none') return null;
    const value = ms(text as ms.StringValue);
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (e.g. 30s, 5m, 1h, 1d) or none` });
      return z.NEVER;
    }
    return value;
  });

const escalationFileSchema = z.object({ escalation: z.partialRecord(z.enum(SEVERITIES), delaySchema).default({}) }).strict();

/** Per severity, how long an alert may stay unacknowledged before it is escalated; absent = never. */
export type EscalationPolicy = ReadonlyMap<Severity, number>;

export const ESCALATION_POLICY = Symbol('mapper:escalation-policy');

/** config/escalation.yaml; a missing file escalates nothing, a bad one stops start-up naming the field. */
export function loadEscalationPolicy(configDir: string): EscalationPolicy {
  const parsed = loadYamlConfig(configDir, 'escalation.yaml', escalationFileSchema, { optional: true });
  const policy = new Map<Severity, number>();
  for (const severity of SEVERITIES) {
    const delay = parsed.escalation[severity];
    if (typeof delay === 'number') policy.set(severity, delay);
  }
  return policy;
}
