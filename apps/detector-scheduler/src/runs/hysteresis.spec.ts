import { CheckStatus } from '../checks/check.types';
import { applyRun, HysteresisState, INITIAL_STATE, Transition } from './hysteresis';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute));

function play(statuses: CheckStatus[], thresholds = { failureThreshold: 1, successThreshold: 1 }) {
  let state: HysteresisState = INITIAL_STATE;
  const transitions: Array<{ minute: number; transition: NonNullable<Transition> }> = [];
  statuses.forEach((status, minute) => {
    const next = applyRun(state, { status }, thresholds, at(minute));
    state = next.state;
    if (next.transition) transitions.push({ minute, transition: next.transition });
  });
  return { state, transitions };
}

describe('detector hysteresis', () => {
  it('with thresholds of 1, the first failure raises and the first pass resolves', () => {
    expect(play(['pass', 'fail', 'pass']).transitions).toEqual([
      { minute: 1, transition: { kind: 'raise', startsAt: at(1) } },
      { minute: 2, transition: { kind: 'resolve', startsAt: at(1), endsAt: at(2) } },
    ]);
  });

  it('raises only after failureThreshold consecutive failures, starting the alert at the first of them', () => {
    const { transitions, state } = play(['fail', 'fail', 'pass', 'fail', 'error', 'fail', 'fail'], {
      failureThreshold: 3,
      successThreshold: 1,
    });
    expect(transitions).toEqual([{ minute: 5, transition: { kind: 'raise', startsAt: at(3) } }]);
    expect(state).toMatchObject({ alerting: true, consecutiveFailures: 4, alertStartsAt: at(3) });
  });

  it('an error counts as a failure: a target that cannot be measured is not healthy', () => {
    expect(play(['error']).transitions).toEqual([{ minute: 0, transition: { kind: 'raise', startsAt: at(0) } }]);
  });

  it('resolves only after successThreshold consecutive passes; a failure in between restarts the count and keeps the episode', () => {
    const { transitions } = play(['fail', 'pass', 'fail', 'pass', 'pass', 'pass'], { failureThreshold: 1, successThreshold: 2 });
    expect(transitions).toEqual([
      { minute: 0, transition: { kind: 'raise', startsAt: at(0) } },
      { minute: 4, transition: { kind: 'resolve', startsAt: at(0), endsAt: at(4) } },
    ]);
  });

  it('never raises twice while firing, and a later streak is a new episode', () => {
    const { transitions } = play(['fail', 'fail', 'fail', 'pass', 'fail']);
    expect(transitions.map((t) => [t.minute, t.transition.kind, t.transition.startsAt])).toEqual([
      [0, 'raise', at(0)],
      [3, 'resolve', at(0)],
      [4, 'raise', at(4)],
    ]);
  });

  it('alertNow raises on the first failure whatever the threshold', () => {
    const result = applyRun(INITIAL_STATE, { status: 'fail', alertNow: true }, { failureThreshold: 5, successThreshold: 1 }, at(0));
    expect(result.transition).toEqual({ kind: 'raise', startsAt: at(0) });
  });

  it('passes without an alert resolve nothing', () => {
    expect(play(['pass', 'pass', 'pass']).transitions).toEqual([]);
  });
});
