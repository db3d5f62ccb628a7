import { z } from 'zod';
import { AlertStatusSchema } from '@firebreak/contracts';
import { httpUrl, labelSet, noControlCharacters, timestamp } from '../intake/alert-fields';

const name = (max: number) => z.string().trim().min(1).max(max).regex(noControlCharacters, 'must not contain control characters');
// A label value as Alertmanager allows it (any text); bounded so one field cannot fill a NATS message.
const labelValue = z.string().trim().max(1024);

/**
 * The incident an n8n workflow posts (seed 001: `{ alert: { type, severity, namespace, resource },
 * context: { cluster, timestamp } }`), with the optional fields a workflow may add. Unknown fields are
 * refused, so a typo in a workflow is a 400 naming it rather than a value lost silently.
 */
export const N8nIncidentSchema = z
  .strictObject({
    alert: z.strictObject({
      /** The incident's own id (n8n's execution or ticket id): part of the alert's identity when given. */
      id: name(256).optional(),
      /** What happened (`pod_crash`): the alertname. */
      type: name(256),
      /** Any usual spelling (high, P1, crit, minor...), normalised to info|warning|error|critical; unknown → warning. */
      severity: name(64),
      status: AlertStatusSchema.default('firing'),
      namespace: labelValue.optional(),
      resource: labelValue.optional(),
      summary: z.string().trim().min(1).max(1024).optional(),
      description: z.string().max(16_384).optional(),
      labels: labelSet('label', 8192).default({}),
      annotations: labelSet('annotation', 16_384).default({}),
      url: httpUrl.optional(),
    }),
    context: z.strictObject({
      cluster: labelValue.optional(),
      /** When the incident started. Required: with the labels it makes the event id, so a retried post is dropped. */
      timestamp,
      /** When it ended; required when alert.status is resolved, for the same reason. */
      resolved_at: timestamp.optional(),
    }),
  })
  .superRefine(({ alert, context }, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    // The fields that become labels win nowhere silently: a differing copy in alert.labels is refused.
    const reserved: Record<string, string | undefined> = {
      alertname: alert.type,
      namespace: alert.namespace,
      resource: alert.resource,
      cluster: context.cluster,
      incident_id: alert.id,
    };
    for (const [label, value] of Object.entries(reserved)) {
      if (alert.labels[label] !== undefined && value !== undefined && alert.labels[label] !== value)
        issue(['alert', 'labels', label], 'differs from the field it is set from; leave it out');
    }
    if (alert.labels.severity !== undefined) issue(['alert', 'labels', 'severity'], 'set by alert.severity; leave it out');
    if (alert.status === 'resolved' && context.resolved_at === undefined)
      issue(['context', 'resolved_at'], 'is required when alert.status is "resolved"');
    if (alert.status !== 'resolved' && context.resolved_at !== undefined)
      issue(['context', 'resolved_at'], 'only a resolved incident has an end; set alert.status to "resolved"');
    if (context.resolved_at !== undefined && Date.parse(context.resolved_at) < Date.parse(context.timestamp))
      issue(['context', 'resolved_at'], 'is before context.timestamp');
  });

export type N8nIncident = z.infer<typeof N8nIncidentSchema>;

export const n8nIncidentOpenApi = z.toJSONSchema(N8nIncidentSchema, {
  target: 'openapi-3.0',
  unrepresentable: 'any',
  io: 'input',
}) as Record<string, unknown>;
