import { z } from 'zod';
import { SeveritySchema } from '@firebreak/contracts';

const MAX_LABELS = 64;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** POST /api/v1/routes/test: the labels of an imagined alert, and its severity if not the `severity` label's. */
export const RoutesTestSchema = z.strictObject({
  labels: z.record(z.string(), z.string().max(1024, 'label values must be at most 1024 characters')).superRefine((labels, ctx) => {
    const names = Object.keys(labels);
    if (names.length > MAX_LABELS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_LABELS} labels` });
    // Checked here rather than by a key schema, so the error names the key and says what is wrong.
    for (const name of names)
      if (name.length > 128 || !LABEL_NAME.test(name))
        ctx.addIssue({ code: 'custom', path: [name], message: 'label names must match [a-zA-Z_][a-zA-Z0-9_]* (at most 128 characters)' });
  }),
  severity: SeveritySchema.optional(),
});
export type RoutesTest = z.infer<typeof RoutesTestSchema>;
