import { z } from 'zod';
import { AlertStatusSchema, SeveritySchema } from '@firebreak/contracts';
import { httpUrl, labelSet, noControlCharacters, timestamp } from '../intake/alert-fields';

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
