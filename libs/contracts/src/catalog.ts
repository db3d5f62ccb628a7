import type { CloudEvent } from './envelope';
import { z } from 'zod';
import { AlertAnalysisSchema, AlertNotifySchema, AlertReceivedSchema, AlertsReceivedBatchSchema, AlertStateChangedSchema } from './alerts';
import {
  ApprovalDecidedSchema,
  ApprovalRequestedSchema,
  ExecutionCancelledSchema,
  ExecutionFailedSchema,
  ExecutionStartedSchema,
  ExecutionStepSchema,
  ExecutionSucceededSchema,
  RunbookCatalogChangedSchema,
  RunbookRequestedSchema,
} from './runbooks';
import {
  DeadLetterSchema,
  DetectorResultSchema,
  NotificationDeliveredSchema,
  NotificationFailedSchema,
  NotificationRequestedSchema,
  SloBudgetChangedSchema,
  SloReportSchema,
} from './observations';
import { AlertAcknowledgeCommandSchema, ApprovalDecideCommandSchema } from './commands';

export const APPS = ['ingress', 'mapper', 'runbook-executor', 'detector-scheduler', 'notifier', 'slo-reporter', 'knowledge'] as const;
export type AppName = (typeof APPS)[number];

interface EventDefinition {
  type: string;
  schema: z.ZodType;
  producers: readonly AppName[];
  /** Services that will publish it once they are built (detector-scheduler, slo-reporter): not yet. */
  plannedProducers?: readonly AppName[];
  description: string;
}

/**
 * Every subject on the bus and the one schema of its data. Subjects and types are wire names:
 * never rename one, add a `.v2` beside it.
 */
export const EVENTS = {
  'alerts.received': {
    type: 'firebreak.alerts.received.v1',
    schema: AlertReceivedSchema,
    producers: ['detector-scheduler', 'slo-reporter', 'runbook-executor'],
    description:
      'An alert arrived (from a detector, an SLO burn or a runbook step; the ingress publishes alerts.received.batch). Subject: the fingerprint.',
  },
  'alerts.received.batch': {
    type: 'firebreak.alerts.received.batch.v1',
    schema: AlertsReceivedBatchSchema,
    producers: ['ingress'],
    description:
      "The alerts of one request to the ingress (Alertmanager webhook, custom alert, n8n), or of one chunk of it that fits a NATS message, in the order sent; each with the id its own alerts.received event would carry. One message per request: the ingress's per-alert publishes could not outpace Alertmanager. Event id: derived from the alerts' ids in order, so a resent notification is dropped by JetStream.",
  },
  'alerts.notify': {
    type: 'firebreak.alerts.notify.v1',
    schema: AlertNotifySchema,
    producers: ['mapper'],
    description: 'An announcement people must hear about: firing, repeat, resolved, acknowledged or escalated.',
  },
  'alerts.state.changed': {
    type: 'firebreak.alerts.state.changed.v1',
    schema: AlertStateChangedSchema,
    producers: ['mapper'],
    description: "An alert's lifecycle moved (firing, acknowledged, resolved, silenced).",
  },
  'alerts.analysis': {
    type: 'firebreak.alerts.analysis.v1',
    schema: AlertAnalysisSchema,
    producers: ['knowledge'],
    description:
      'What is known about a newly firing alert: probable causes, mitigations, queries, similar incidents, runbooks ranked by how often they fixed it.',
  },
  'runbooks.requested': {
    type: 'firebreak.runbooks.requested.v1',
    schema: RunbookRequestedSchema,
    producers: ['mapper', 'runbook-executor'],
    description: 'A runbook should run: for a newly firing mapped alert, by hand, or as a drill.',
  },
  'runbooks.execution.started': {
    type: 'firebreak.runbooks.execution.started.v1',
    schema: ExecutionStartedSchema,
    producers: ['runbook-executor'],
    description: 'An execution started.',
  },
  'runbooks.execution.step': {
    type: 'firebreak.runbooks.execution.step.v1',
    schema: ExecutionStepSchema,
    producers: ['runbook-executor'],
    description: 'A step attempt changed status.',
  },
  'runbooks.execution.succeeded': {
    type: 'firebreak.runbooks.execution.succeeded.v1',
    schema: ExecutionSucceededSchema,
    producers: ['runbook-executor'],
    description: 'An execution finished successfully.',
  },
  'runbooks.execution.failed': {
    type: 'firebreak.runbooks.execution.failed.v1',
    schema: ExecutionFailedSchema,
    producers: ['runbook-executor'],
    description: 'An execution failed, timed out, was skipped, needs attention or did not help.',
  },
  'runbooks.execution.cancelled': {
    type: 'firebreak.runbooks.execution.cancelled.v1',
    schema: ExecutionCancelledSchema,
    producers: ['runbook-executor'],
    description: 'An execution was cancelled by a person.',
  },
  'runbooks.catalog.changed': {
    type: 'firebreak.runbooks.catalog.changed.v1',
    schema: RunbookCatalogChangedSchema,
    producers: ['runbook-executor'],
    description: 'A runbook of the catalogue was loaded, stored, replaced or deleted.',
  },
  'runbooks.approval.requested': {
    type: 'firebreak.runbooks.approval.requested.v1',
    schema: ApprovalRequestedSchema,
    producers: ['runbook-executor'],
    description: 'A step waits for a person to approve it.',
  },
  'runbooks.approval.decided': {
    type: 'firebreak.runbooks.approval.decided.v1',
    schema: ApprovalDecidedSchema,
    producers: ['runbook-executor'],
    description: 'An approval was approved, rejected or expired.',
  },
  'detectors.result': {
    type: 'firebreak.detectors.result.v1',
    schema: DetectorResultSchema,
    producers: ['detector-scheduler'],
    description: 'One run of a detector and what it found.',
  },
  'notifications.requested': {
    type: 'firebreak.notifications.requested.v1',
    schema: NotificationRequestedSchema,
    producers: ['runbook-executor', 'mapper'],
    description: 'A message to send to channels outside the alert announcements (a runbook notify step, an approval request).',
  },
  'notifications.delivered': {
    type: 'firebreak.notifications.delivered.v1',
    schema: NotificationDeliveredSchema,
    producers: ['notifier'],
    description: 'A provider accepted a message.',
  },
  'notifications.failed': {
    type: 'firebreak.notifications.failed.v1',
    schema: NotificationFailedSchema,
    producers: ['notifier'],
    description: 'A message could not be delivered after its last attempt.',
  },
  'slo.report': {
    type: 'firebreak.slo.report.v1',
    schema: SloReportSchema,
    producers: ['slo-reporter'],
    description: "An SLO's compliance, error budget and burn rates.",
  },
  'slo.budget.changed': {
    type: 'firebreak.slo.budget.changed.v1',
    schema: SloBudgetChangedSchema,
    producers: ['slo-reporter'],
    description: 'An SLO crossed into or out of burning or exhausted its error budget.',
  },
  'commands.approval.decide': {
    type: 'firebreak.commands.approval.decide.v1',
    schema: ApprovalDecideCommandSchema,
    producers: ['notifier'],
    description:
      'A chat user pressed Approve or Reject (a request, not a fact): the executor decides it as the approvals API does and announces runbooks.approval.decided.',
  },
  'commands.alert.acknowledge': {
    type: 'firebreak.commands.alert.acknowledge.v1',
    schema: AlertAcknowledgeCommandSchema,
    producers: ['notifier'],
    description:
      'A chat user pressed Acknowledge on an alert message (a request, not a fact): the mapper acknowledges it as the alerts API does.',
  },
} as const satisfies Record<string, EventDefinition>;

export type Subject = keyof typeof EVENTS;
export type DataOf<S extends Subject> = z.infer<(typeof EVENTS)[S]['schema']>;
/** The whole CloudEvent a handler of subject S receives. */
export type EventOf<S extends Subject> = CloudEvent<DataOf<S>>;
export const SUBJECTS = Object.keys(EVENTS) as Subject[];

/** Dead letters go to `dlq.<original subject>`; the envelope type is fixed. */
export const DLQ = {
  subjectPrefix: 'dlq',
  type: 'firebreak.dlq.message.v1',
  schema: DeadLetterSchema,
  description: 'A message a consumer gave up on, kept whole with the reason, for inspection and replay.',
} as const;

export function isSubject(value: string): value is Subject {
  return Object.prototype.hasOwnProperty.call(EVENTS, value);
}
