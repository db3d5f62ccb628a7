import { AlertRecord } from './alert-record';
import { Command, Decision, MachineSettings } from './commands';
import { decideEscalationDue } from './escalation-due';
import { decideOperatorAction } from './operator-actions';
import { decideReceived } from './received';
import { decideRunbookOutcome } from './runbook-outcome';
import { decideSilenceApplied, decideSilenceLifted } from './silence-commands';

export type { Command, Decision, MachineSettings, OperatorAction, Received, Refusal, RunbookOutcome } from './commands';
export type { Effect } from './effects';

/**
 * The alert lifecycle, in one pure function: the stored alert (or none) and a command give the
 * fields to write and the effects to perform (announcements, state changes, history, runbook
 * requests, escalation timers), as data. Nothing here reads or writes; `applyEffects` performs.
 */
export function decide(stored: AlertRecord | null, command: Command, settings: MachineSettings): Decision {
  switch (command.type) {
    case 'received':
      return decideReceived(stored, command, settings);
    case 'acknowledge':
    case 'resolve':
      return decideOperatorAction(stored, command, settings);
    case 'silence_applied':
      return decideSilenceApplied(stored, command);
    case 'silence_lifted':
      return decideSilenceLifted(stored, command, settings);
    case 'escalation_due':
      return decideEscalationDue(stored, command, settings);
    case 'runbook_outcome':
      return decideRunbookOutcome(stored, command, settings);
  }
}
