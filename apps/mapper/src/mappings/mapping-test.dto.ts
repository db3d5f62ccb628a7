import { z } from 'zod';

const MAX_ENTRIES = 64;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Names checked here rather than by a key schema, so the error names the key and says what is wrong.
const labelSet = (what: string, maxValue: number) =>
  z.record(z.string(), z.string().max(maxValue, `${what} values must be at most ${maxValue} characters`)).superRefine((set, ctx) => {
    const names = Object.keys(set);
    if (names.length > MAX_ENTRIES) ctx.addIssue({ code: 'custom', message: `at most ${MAX_ENTRIES} ${what}s` });
    for (const name of names)
      if (name.length > 128 || !LABEL_NAME.test(name))
        ctx.addIssue({ code: 'custom', path: [name], message: `${what} names must match [a-zA-Z_][a-zA-Z0-9_]* (at most 128 characters)` });
  });

/** POST /api/v1/mappings/test: the labels (and annotations) of an alert that is only imagined. */
export const mappingTestSchema = z.strictObject({
  labels: labelSet('label', 1024),
  annotations: labelSet('annotation', 8192).default({}),
});
export type MappingTestBody = z.infer<typeof mappingTestSchema>;
