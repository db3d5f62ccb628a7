import { CheckStatus } from '../checks/check.types';

/** What a detector remembers between runs: its streaks and whether its alert fires. */
export interface HysteresisState {
  consecutiveFailures: number;
  consecutivePasses: number;
  alerting: boolean;
  /** When the current streak of failures began: the alert's startsAt. */
  failingSince: Date | null;
  /** startsAt of the alert that fires (its episode), kept for the resolution. */
  alertStartsAt: Date | null;
}

export interface Thresholds {
  failureThreshold: number;
  successThreshold: number;
}

export type Transition = { kind: 'raise'; startsAt: Date } | { kind: 'resolve'; startsAt: Date; endsAt: Date } | null;

export const INITIAL_STATE: HysteresisState = {
  consecutiveFailures: 0,
  consecutivePasses: 0,
  alerting: false,
  failingSince: null,
  alertStartsAt: null,
};

// Streaks stop counting here: enough to compare with any threshold, never an integer overflow.
const CAP = 1_000_000;

/**
 * One run's effect on the state, as Gatus does it: `failureThreshold` consecutive failed runs (a
 * `fail` or an `error`: a target that cannot be measured is not healthy) raise the alert, with
 * startsAt = the first failure of the streak; `successThreshold` consecutive passes resolve it.
 * `alertNow` raises on this run whatever the threshold. A pass breaks a failure streak and a failure
 * breaks a pass streak, so a flapping target neither fires nor resolves before its threshold.
 */
export function applyRun(
  state: HysteresisState,
  run: { status: CheckStatus; alertNow?: boolean },
  thresholds: Thresholds,
  at: Date,
): { state: HysteresisState; transition: Transition } {
  if (run.status === 'pass') {
    const passes = Math.min(CAP, state.consecutivePasses + 1);
    if (state.alerting && passes >= thresholds.successThreshold)
      return {
        state: { ...INITIAL_STATE, consecutivePasses: passes },
        transition: { kind: 'resolve', startsAt: state.alertStartsAt ?? state.failingSince ?? at, endsAt: at },
      };
    // While the alert fires, the episode's start is kept until the resolution.
    return {
      state: { ...state, consecutivePasses: passes, consecutiveFailures: 0, failingSince: state.alerting ? state.failingSince : null },
      transition: null,
    };
  }
  const failures = Math.min(CAP, state.consecutiveFailures + 1);
  // A failure during an alert's recovery streak: the alert keeps firing, the episode is unchanged.
  const failingSince = state.alerting ? state.failingSince : state.consecutiveFailures === 0 ? at : (state.failingSince ?? at);
  const next: HysteresisState = { ...state, consecutiveFailures: failures, consecutivePasses: 0, failingSince };
  if (!state.alerting && (failures >= thresholds.failureThreshold || run.alertNow)) {
    const startsAt = failingSince ?? at;
    return { state: { ...next, alerting: true, alertStartsAt: startsAt }, transition: { kind: 'raise', startsAt } };
  }
  return { state: next, transition: null };
}
