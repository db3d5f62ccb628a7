import { z } from 'zod';

const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]{0,127})=(.{0,1000})$/s;

/** `fingerprint=…`, or `alertname=…` with any number of `label=name=value`. */
export const recommendationsQuerySchema = z
  .strictObject({
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{16}$/, 'must be an alert fingerprint (16 hex digits)')
      .optional(),
    alertname: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters')
      .optional(),
    label: z
      .union([z.string(), z.array(z.string()).max(50)])
      .optional()
      .transform((value, ctx) => {
        const labels: Record<string, string> = {};
        for (const item of value === undefined ? [] : Array.isArray(value) ? value : [value]) {
          const match = LABEL.exec(item);
          if (!match || match[2].includes('\u0000')) {
            ctx.addIssue({ code: 'custom', message: `label ${JSON.stringify(item.slice(0, 50))} must be name=value` });
            continue;
          }
          labels[match[1]] = match[2];
        }
        return labels;
      }),
  })
  .refine((query) => query.fingerprint || query.alertname, { message: 'give fingerprint or alertname', path: ['alertname'] });
export type RecommendationsQuery = z.infer<typeof recommendationsQuerySchema>;
