import { z } from 'zod';
import { AlertStatusSchema, SeveritySchema } from '@firebreak/contracts';

const MAX_LABELS = 64;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const timestamp = z.iso.datetime({ offset: true, error: 'must be an RFC 3339 timestamp with a zone, e.g. 2026-01-02T03:04:05Z' });
const noControlCharacters = /^[^\p{Cc}]*$/u;

// Keys checked here rather than by a key schema, so the error names the key and says what is wrong.
const labelSet = (what: string, maxValueLength: number) =>
  z.record(z.string(), z.string().max(maxValueLength)).superRefine((set, ctx) => {
    const names = Object.keys(set);
    if (names.length > MAX_LABELS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_LABELS} ${what}s` });
    for (const name of names) {
      if (name.length > 128 || !LABEL_NAME.test(name))
        ctx.addIssue({ code: 'custom', path: [name], message: `${what} names must match [a-zA-Z_][a-zA-Z0-9_]* (at most 128 characters)` });
    }
  });

const httpUrl = z
  .string()
  .max(8192)
  .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'must be an http(s) URL');

/** A custom alert from a person or a tool. Unknown fields are refused so a typo is not lost silently. */
export const CustomAlertSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(256).regex(noControlCharacters, 'must not contain control characters'),
    severity: SeveritySchema,
    summary: z.string().trim().min(1).max(1024),
    description: z.string().max(16_384).optional(),
    labels: labelSet('label', 8192).default({}),
    annotations: labelSet('annotation', 16_384).default({}),
    status: AlertStatusSchema.default('firing'),
    startsAt: timestamp.optional(),
    endsAt: timestamp.optional(),
    generatorURL: httpUrl.optional(),
  })
  .superRefine((alert, ctx) => {
    const conflict = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (alert.labels.alertname !== undefined && alert.labels.alertname !== alert.name)
      conflict(['labels', 'alertname'], 'differs from name; leave it out');
    if (alert.labels.severity !== undefined && alert.labels.severity !== alert.severity)
      conflict(['labels', 'severity'], 'differs from severity; leave it out');
    if (alert.annotations.summary !== undefined && alert.annotations.summary !== alert.summary)
      conflict(['annotations', 'summary'], 'differs from summary; leave it out');
    if (
      alert.annotations.description !== undefined &&
      alert.description !== undefined &&
      alert.annotations.description !== alert.description
    ) {
      conflict(['annotations', 'description'], 'differs from description; leave it out');
    }
    if (alert.endsAt !== undefined && alert.status !== 'resolved')
      conflict(['endsAt'], 'only a resolved alert has an end; set status to "resolved"');
    if (alert.startsAt && alert.endsAt && Date.parse(alert.endsAt) < Date.parse(alert.startsAt)) conflict(['endsAt'], 'is before startsAt');
  });

export type CustomAlert = z.infer<typeof CustomAlertSchema>;

export const customAlertOpenApi = z.toJSONSchema(CustomAlertSchema, {
  target: 'openapi-3.0',
  unrepresentable: 'any',
  io: 'input',
}) as Record<string, unknown>;
