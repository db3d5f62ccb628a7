import { Alert, AlertLifecycle, AlertReceived } from '@firebreak/contracts';
import { RunbookMapping } from '../mappings/runbook-matcher';
import { AlertPatch, AlertRecord } from './alert-record';
import { Effect } from './effects';

/**
 * What can happen to an alert. Each command carries what its caller looked up (the silence that
 * covers the alert, the runbook it maps to, how long it may stay unacknowledged), so the machine
 * itself reads nothing.
 */
export type Command = Received | OperatorAction | SilenceApplied | SilenceLifted | EscalationDue | RunbookOutcomeReceived;

/** An alerts.received event (one receipt of it). */
export interface Received {
  type: 'received';
  sourceId: string;
  source: AlertReceived['source'];
  alert: Alert;
  receivedAt: Date;
  /** The active silence matching a firing alert's labels, if any. */
  silenceId: string | null;
  /** The runbook a firing alert maps to, if any. */
  mapping: RunbookMapping | null;
  /** The escalation policy's delay for the alert's severity; null: it never escalates. */
  escalateAfterMs: number | null;
}

/** A person acknowledging or resolving the alert through the API. */
export interface OperatorAction {
  type: 'acknowledge' | 'resolve';
  sourceId: string;
  actor: string;
  note?: string;
}

export interface SilenceApplied {
  type: 'silence_applied';
  sourceId: string;
  silenceId: string;
}

/** The silence holding the alert ended; another one may take it over. */
export interface SilenceLifted {
  type: 'silence_lifted';
  sourceId: string;
  silenceId: string;
  replacementId: string | null;
  mapping: RunbookMapping | null;
  escalateAfterMs: number | null;
}

/** The alert's escalation timer came due. */
export interface EscalationDue {
  type: 'escalation_due';
  sourceId: string;
  delayMs: number;
}

/** How a runbook the mapper requested ended (runbooks.execution.failed or .succeeded). */
export interface RunbookOutcome {
  requestId: string;
  executionId: string;
  runbookId: string;
  fingerprint?: string;
  status: string;
  reason?: string;
  escalate: boolean;
}

export interface RunbookOutcomeReceived {
  type: 'runbook_outcome';
  sourceId: string;
  /** The event's data as received: all of it but the fingerprint goes into the alert's history. */
  outcome: RunbookOutcome;
}

export interface MachineSettings {
  /**
   * The replica's clock in this transaction: what the decision measures (windows, due times) and
   * records (acknowledged, resolved, escalated). Never the alert's stamp (`Decision.at`, see `decide`).
   */
  now: Date;
  dedupWindowMs: number;
  automationEnabled: boolean;
  /** FIREBREAK_MAX_CLOCK_SKEW in ms: how far past its receipt a sender's time is trusted for ordering. */
  maxClockSkewMs: number;
}

export type Refusal = { code: 'not_found' } | { code: 'conflict'; status: AlertLifecycle; allowed: readonly AlertLifecycle[] };

/** What one command decides, before `decide` stamps it (see `Decision`). */
export interface Verdict {
  /** The alert after the command; null while there is no record. */
  record: AlertRecord | null;
  /** The fields to write on the stored row; with no stored row, `record` is what to insert. */
  patch: AlertPatch;
  effects: Effect[];
  /** What the command turned out to be, for logs (a received event's transition, "ignored", ...). */
  outcome: string;
  /** The command does not apply to the alert as it is: nothing to write, nothing to do. */
  refused?: Refusal;
}

export interface Decision extends Verdict {
  /** The time the decision's effects (announcements, state changes, history, timers) are stamped with. */
  at: Date;
}

export function unchanged(stored: AlertRecord | null, outcome: string, effects: Effect[] = []): Verdict {
  return { record: stored, patch: {}, effects, outcome };
}
