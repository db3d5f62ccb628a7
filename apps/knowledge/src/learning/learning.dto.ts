import { z } from 'zod';
import { parseDuration } from '@firebreak/platform';

const noNul = (value: string) => !value.includes('\u0000');
const word = z.string().trim().min(1).max(200).refine(noNul, 'must not contain NUL characters');

/** Seed 001's learn body: an outcome reported by people or n8n. `id` (optional) makes a retried report count once. */
export const learnSchema = z.strictObject({
  incident_data: z.strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be an incident id')
      .optional(),
    /** The kind of incident: an alertname, or the seed's `pod_crash`. */
    type: word,
    diagnosis: z.array(word).max(20).default([]),
    /** What was done: runbook ids where it was a runbook, else free names (`increase_memory_limit`). */
    resolution: z.array(word).min(1).max(20),
    success: z.boolean(),
    /** How long until resolved: `5m`, `90s`, `1h`. */
    duration: z
      .string()
      .max(20)
      .transform((value, ctx) => {
        const ms = parseDuration(value);
        if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'must be a duration such as 5m' });
        return ms ?? 0;
      })
      .optional(),
  }),
  context: z.record(z.string().max(200), z.string().max(1000).refine(noNul, 'must not contain NUL characters')).default({}),
});
export type LearnBody = z.infer<typeof learnSchema>;
