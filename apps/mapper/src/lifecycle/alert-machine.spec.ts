import { AlertLifecycle } from '@firebreak/contracts';
import { AlertRecord, NO_HANDLING } from './alert-record';
import { Command, Decision, decide, Effect, MachineSettings, Received, Refusal, stampFor } from './alert-machine';

const T0 = Date.parse('2024-05-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const FINGERPRINT = '0123456789abcdef';
const LABELS = { alertname: 'DiskFull', severity: 'critical' };
const settings: MachineSettings = { now: at(10), dedupWindowMs: 5 * 60_000, automationEnabled: true, maxClockSkewMs: 5 * 60_000 };
/** A time no sender's clock should give: stored by an older release, or clamped by this one. */
const FAR = new Date('9999-12-31T23:59:59Z');

type State = AlertLifecycle | 'none';

function stored(status: AlertLifecycle, extra: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint: FINGERPRINT,
    alertname: 'DiskFull',
    severity: 'critical',
    status,
    source: 'alertmanager',
    labels: LABELS,
    annotations: {},
    generatorURL: '',
    startsAt: at(0),
    endsAt: status === 'resolved' ? at(5) : null,
    eventAt: status === 'resolved' ? at(5) : at(0),
    eventReceivedAt: status === 'resolved' ? at(5) : at(0),
    firstSeen: at(0),
    lastSeen: at(0),
    occurrences: 1,
    lastAnnouncedAt: status === 'silenced' ? null : at(0),
    silenceId: status === 'silenced' ? 's1' : null,
    ...NO_HANDLING,
    runbook: null,
    stampedAt: at(0),
    updatedAt: at(0),
    ...extra,
  };
}

const MAPPING = { runbookId: 'disk_cleanup', source: 'file_alertname' as const };

function received(options: { status?: 'firing' | 'resolved'; startsAt?: number | Date; endsAt?: Date; silenceId?: string } = {}): Command {
  const status = options.status ?? 'firing';
  const alert = {
    fingerprint: FINGERPRINT,
    status,
    labels: LABELS,
    annotations: {},
    severity: 'critical' as const,
    startsAt: (options.startsAt instanceof Date ? options.startsAt : at(options.startsAt ?? 0)).toISOString(),
    endsAt: status === 'resolved' ? (options.endsAt ?? at(10)).toISOString() : null,
    generatorURL: '',
  };
  return {
    type: 'received',
    sourceId: 'evt-1',
    source: 'alertmanager',
    alert,
    receivedAt: at(10),
    silenceId: options.silenceId ?? null,
    mapping: status === 'firing' ? MAPPING : null,
    escalateAfterMs: 300_000,
  };
}

const acknowledge: Command = { type: 'acknowledge', sourceId: 'api-1', actor: 'otto', note: 'on it' };
const resolve: Command = { type: 'resolve', sourceId: 'api-1', actor: 'otto' };
const silenceApplied: Command = { type: 'silence_applied', sourceId: 'silence:s1:start', silenceId: 's1' };
const lifted = (replacementId: string | null = null, silenceId = 's1'): Command => ({
  type: 'silence_lifted',
  sourceId: 'silence:s1:end',
  silenceId,
  replacementId,
  mapping: MAPPING,
  escalateAfterMs: 300_000,
});
const escalationDue: Command = { type: 'escalation_due', sourceId: 'evt-0', delayMs: 300_000 };
const outcome = (status: string, escalate: boolean): Command => ({
  type: 'runbook_outcome',
  sourceId: 'exec-event',
  outcome: {
    requestId: 'req-1',
    executionId: 'exec-1',
    runbookId: 'disk_cleanup',
    fingerprint: FINGERPRINT,
    status,
    reason: status === 'succeeded' ? undefined : 'exit 1',
    escalate,
  },
});

function describeEffect(effect: Effect): string {
  switch (effect.type) {
    case 'announce':
      return `announce:${effect.notify.kind}`;
    case 'state_changed':
      return `state:${effect.change.from ?? 'none'}→${effect.change.to}`;
    case 'history':
      return `history:${effect.entry.action}`;
    case 'runbook_request':
      return `runbook:${effect.runbook.status}`;
    case 'runbook_outcome':
      return `outcome:${effect.status}`;
    case 'timer_set':
      return 'timer:set';
    case 'timer_cancel':
      return 'timer:cancel';
    case 'count':
      return `count:${effect.metric}`;
  }
}

interface Summary {
  to: State;
  outcome: string;
  effects: string[];
  refused?: Refusal['code'];
}

const summary = (decision: Decision): Summary => ({
  to: decision.record?.status ?? 'none',
  outcome: decision.outcome,
  effects: decision.effects.map(describeEffect),
  ...(decision.refused ? { refused: decision.refused.code } : {}),
});

const FIRST_FIRING = ['runbook:requested', 'announce:firing', 'timer:set'];
const ESCALATED_BY_RUNBOOK = ['outcome:failed', 'history:runbook_failed', 'announce:escalated', 'timer:cancel', 'count:escalated'];
type Row = [State, string, AlertRecord | null, Command, Summary];
const row = (
  state: State,
  what: string,
  record: AlertRecord | null,
  command: Command,
  to: State,
  outcome: string,
  effects: string[],
  refused?: Refusal['code'],
): Row => [state, what, record, command, { to, outcome, effects, ...(refused ? { refused } : {}) }];

// prettier-ignore
const TABLE: Row[] = [
  row('none', 'received: a firing alert', null, received(), 'firing', 'open', ['state:none→firing', ...FIRST_FIRING, 'history:opened']),
  row('none', 'received: a firing alert a silence covers', null, received({ silenceId: 's2' }), 'silenced', 'open', ['state:none→silenced', 'count:silenced', 'history:opened']),
  row('none', 'received: first seen resolved', null, received({ status: 'resolved' }), 'resolved', 'record_resolved', ['state:none→resolved', 'history:recorded_resolved']),
  row('none', 'acknowledge', null, acknowledge, 'none', 'refused', [], 'not_found'),
  row('none', 'resolve', null, resolve, 'none', 'refused', [], 'not_found'),
  row('none', 'silence applied', null, silenceApplied, 'none', 'ignored', []),
  row('none', 'silence lifted', null, lifted(), 'none', 'ignored', []),
  row('none', 'escalation due', null, escalationDue, 'none', 'ignored', []),
  row('none', 'runbook outcome', null, outcome('failed', true), 'none', 'recorded', ['outcome:failed']),

  row('firing', 'received: a repeat past the dedup window', stored('firing'), received(), 'firing', 'repeat', ['announce:repeat', 'history:repeat_announced']),
  row('firing', 'received: a repeat inside the dedup window', stored('firing', { lastAnnouncedAt: at(8) }), received(), 'firing', 'repeat', ['count:deduplicated']),
  row('firing', 'received: a repeat a new silence covers', stored('firing'), received({ silenceId: 's2' }), 'silenced', 'repeat', ['state:firing→silenced', 'count:silenced', 'timer:cancel', 'history:silenced']),
  row('firing', 'received: a later episode', stored('firing'), received({ startsAt: 8 }), 'firing', 'open', [...FIRST_FIRING, 'history:reopened']),
  row('firing', 'received: an earlier episode', stored('firing', { startsAt: at(8), eventAt: at(8), eventReceivedAt: at(8) }), received(), 'firing', 'stale', ['history:stale_ignored', 'count:stale']),
  row('firing', 'received: its resolution', stored('firing'), received({ status: 'resolved' }), 'resolved', 'close', ['state:firing→resolved', 'timer:cancel', 'announce:resolved', 'history:resolved']),
  row('firing', 'received: its resolution, endsAt in 9999 (clamped, counted)', stored('firing'), received({ status: 'resolved', endsAt: FAR }), 'resolved', 'close', ['state:firing→resolved', 'timer:cancel', 'announce:resolved', 'history:resolved', 'count:clock_skew_clamped']),
  row('firing', 'received: a re-send of an episode that started in 9999 (same episode)', stored('firing', { startsAt: FAR, eventAt: at(0) }), received({ startsAt: FAR }), 'firing', 'repeat', ['announce:repeat', 'history:repeat_announced', 'count:clock_skew_clamped']),
  row('firing', 'received: the resolution of an episode that started in 9999', stored('firing', { startsAt: FAR, eventAt: at(0) }), received({ status: 'resolved', startsAt: FAR }), 'resolved', 'close', ['state:firing→resolved', 'timer:cancel', 'announce:resolved', 'history:resolved']),
  row('firing', 'received: the resolution of a 9999 episode an older release stored', stored('firing', { startsAt: FAR, eventAt: FAR }), received({ status: 'resolved', startsAt: FAR }), 'resolved', 'close', ['state:firing→resolved', 'timer:cancel', 'announce:resolved', 'history:resolved']),
  row('firing', 'acknowledge', stored('firing'), acknowledge, 'acknowledged', 'acknowledged', ['timer:cancel', 'announce:acknowledged', 'state:firing→acknowledged', 'history:acknowledged']),
  row('firing', 'resolve', stored('firing'), resolve, 'resolved', 'resolved', ['timer:cancel', 'announce:resolved', 'state:firing→resolved', 'history:resolved']),
  row('firing', 'silence applied', stored('firing'), silenceApplied, 'silenced', 'silenced', ['state:firing→silenced', 'history:silenced', 'timer:cancel']),
  row('firing', 'silence lifted', stored('firing'), lifted(), 'firing', 'ignored', []),
  row('firing', 'escalation due', stored('firing'), escalationDue, 'firing', 'escalated', ['announce:escalated', 'history:escalated', 'count:escalated', 'timer:cancel']),
  row('firing', 'runbook outcome: failed, escalate', stored('firing'), outcome('failed', true), 'firing', 'escalated', ESCALATED_BY_RUNBOOK),
  row('firing', 'runbook outcome: succeeded', stored('firing'), outcome('succeeded', false), 'firing', 'recorded', ['outcome:succeeded', 'history:runbook_succeeded']),

  row('acknowledged', 'received: a repeat (never re-announced)', stored('acknowledged'), received(), 'acknowledged', 'repeat', ['count:deduplicated']),
  row('acknowledged', 'received: its resolution', stored('acknowledged'), received({ status: 'resolved' }), 'resolved', 'close', ['state:acknowledged→resolved', 'timer:cancel', 'announce:resolved', 'history:resolved']),
  row('acknowledged', 'acknowledge', stored('acknowledged'), acknowledge, 'acknowledged', 'refused', [], 'conflict'),
  row('acknowledged', 'resolve', stored('acknowledged'), resolve, 'resolved', 'resolved', ['timer:cancel', 'announce:resolved', 'state:acknowledged→resolved', 'history:resolved']),
  row('acknowledged', 'resolve an episode an older release stored as starting in 9999', stored('acknowledged', { startsAt: FAR, eventAt: FAR }), resolve, 'resolved', 'resolved', ['timer:cancel', 'announce:resolved', 'state:acknowledged→resolved', 'history:resolved']),
  row('acknowledged', 'silence applied (it has an owner)', stored('acknowledged'), silenceApplied, 'acknowledged', 'ignored', []),
  row('acknowledged', 'silence lifted', stored('acknowledged'), lifted(), 'acknowledged', 'ignored', []),
  row('acknowledged', 'escalation due', stored('acknowledged'), escalationDue, 'acknowledged', 'ignored', ['timer:cancel']),
  row('acknowledged', 'runbook outcome: failed, escalate', stored('acknowledged'), outcome('failed', true), 'acknowledged', 'escalated', ESCALATED_BY_RUNBOOK),

  row('resolved', 'received: a late firing of its episode', stored('resolved'), received(), 'resolved', 'stale', ['history:stale_ignored', 'count:stale']),
  row('resolved', 'received: a new episode', stored('resolved'), received({ startsAt: 8 }), 'firing', 'open', ['state:resolved→firing', ...FIRST_FIRING, 'history:reopened']),
  row('resolved', 'received: a new episode after a resolution stored with endsAt 9999 by an older release', stored('resolved', { endsAt: FAR, eventAt: FAR }), received({ startsAt: 8 }), 'firing', 'open', ['state:resolved→firing', ...FIRST_FIRING, 'history:reopened']),
  row('resolved', 'received: a later resolution', stored('resolved'), received({ status: 'resolved' }), 'resolved', 'record_resolved', ['history:resolution_updated']),
  row('resolved', 'acknowledge', stored('resolved'), acknowledge, 'resolved', 'refused', [], 'conflict'),
  row('resolved', 'resolve', stored('resolved'), resolve, 'resolved', 'refused', [], 'conflict'),
  row('resolved', 'silence applied', stored('resolved'), silenceApplied, 'resolved', 'ignored', []),
  row('resolved', 'silence lifted', stored('resolved'), lifted(), 'resolved', 'ignored', []),
  row('resolved', 'escalation due', stored('resolved'), escalationDue, 'resolved', 'ignored', ['timer:cancel']),
  row('resolved', 'runbook outcome: failed, escalate (closed: recorded only)', stored('resolved'), outcome('failed', true), 'resolved', 'recorded', ['outcome:failed', 'history:runbook_failed']),

  row('silenced', 'received: a repeat still silenced', stored('silenced'), received({ silenceId: 's1' }), 'silenced', 'repeat', ['count:silenced', 'count:deduplicated']),
  row('silenced', 'received: a repeat once no silence covers it, never told', stored('silenced'), received(), 'firing', 'repeat', ['state:silenced→firing', ...FIRST_FIRING, 'history:unsilenced']),
  row('silenced', 'received: its resolution, never told', stored('silenced'), received({ status: 'resolved' }), 'resolved', 'close', ['state:silenced→resolved', 'timer:cancel', 'history:resolved']),
  row('silenced', 'acknowledge', stored('silenced'), acknowledge, 'silenced', 'refused', [], 'conflict'),
  row('silenced', 'resolve, never told', stored('silenced'), resolve, 'resolved', 'resolved', ['timer:cancel', 'state:silenced→resolved', 'history:resolved']),
  row('silenced', 'silence applied', stored('silenced'), silenceApplied, 'silenced', 'ignored', []),
  row('silenced', 'silence lifted, never told', stored('silenced'), lifted(), 'firing', 'unsilenced', [...FIRST_FIRING, 'state:silenced→firing', 'history:unsilenced']),
  row('silenced', 'silence lifted, told past the window', stored('silenced', { lastAnnouncedAt: at(0) }), lifted(), 'firing', 'unsilenced', ['announce:repeat', 'state:silenced→firing', 'history:unsilenced']),
  row('silenced', 'silence lifted, told inside the window', stored('silenced', { lastAnnouncedAt: at(8) }), lifted(), 'firing', 'unsilenced', ['state:silenced→firing', 'history:unsilenced']),
  row('silenced', 'silence lifted, another silence takes it', stored('silenced'), lifted('s2'), 'silenced', 'silence_changed', ['history:silence_changed']),
  row('silenced', 'silence lifted, not the one holding it', stored('silenced'), lifted(null, 's9'), 'silenced', 'ignored', []),
  row('silenced', 'escalation due', stored('silenced'), escalationDue, 'silenced', 'ignored', ['timer:cancel']),
  row('silenced', 'runbook outcome: failed, escalate', stored('silenced'), outcome('failed', true), 'silenced', 'escalated', ESCALATED_BY_RUNBOOK),
];

describe('the alert machine: every state × every command', () => {
  it.each(TABLE)('%s + %s', (_state, _what, record, command, expected) => {
    expect(summary(decide(record, command, settings))).toEqual(expected);
  });

  it('has a row for every pair of state and command', () => {
    const states: State[] = ['none', 'firing', 'acknowledged', 'resolved', 'silenced'];
    const commands: Array<Command['type']> = [
      'received',
      'acknowledge',
      'resolve',
      'silence_applied',
      'silence_lifted',
      'escalation_due',
      'runbook_outcome',
    ];
    const covered = new Set(TABLE.map(([state, , , command]) => `${state} × ${command.type}`));
    expect([...covered].sort()).toEqual(states.flatMap((state) => commands.map((command) => `${state} × ${command}`)).sort());
  });
});

describe('the alert machine: what the effects carry', () => {
  const effectsOf = (decision: Decision, type: Effect['type']) => decision.effects.filter((effect) => effect.type === type);

  it('stores a first sighting whole, and requests its runbook with the context the design promises', () => {
    const decision = decide(null, received(), settings);
    expect(decision.record).toMatchObject({
      status: 'firing',
      occurrences: 1,
      firstSeen: at(10),
      lastAnnouncedAt: at(10),
      runbook: { id: 'disk_cleanup', status: 'requested', at: at(10).toISOString() },
    });
    const [request] = effectsOf(decision, 'runbook_request');
    expect(request).toMatchObject({
      request: {
        runbookId: 'disk_cleanup',
        mode: 'live',
        trigger: 'alert',
        fingerprint: FINGERPRINT,
        context: { alert_name: 'DiskFull', severity: 'critical', instance: null, triggered_at: at(0).toISOString() },
      },
    });
    expect(effectsOf(decision, 'announce')).toEqual([
      {
        type: 'announce',
        sourceId: 'evt-1',
        notify: expect.objectContaining({ kind: 'firing', occurrences: 1, runbook: { id: 'disk_cleanup' } }),
      },
    ]);
    expect(effectsOf(decision, 'timer_set')).toEqual([
      { type: 'timer_set', fingerprint: FINGERPRINT, delayMs: 300_000, sourceId: 'evt-1' },
    ]);
  });

  it('with automation off records the runbook as suppressed and says so in the announcement', () => {
    const decision = decide(null, received(), { ...settings, automationEnabled: false });
    expect(effectsOf(decision, 'runbook_request')).toMatchObject([
      { runbook: { status: 'suppressed', reason: expect.stringMatching(/automation is disabled/) } },
    ]);
    expect(effectsOf(decision, 'announce')).toMatchObject([
      { notify: { runbook: { id: 'disk_cleanup', outcome: 'automation_disabled' } } },
    ]);
  });

  it('sets no timer for a severity that never escalates, and requests no runbook twice in an episode', () => {
    expect(effectsOf(decide(null, { ...received(), escalateAfterMs: null } as Command, settings), 'timer_set')).toEqual([]);
    const requested = stored('silenced', {
      runbook: { id: 'disk_cleanup', requestId: 'r0', source: 'file_alertname', status: 'requested', at: at(0).toISOString() },
    });
    expect(summary(decide(requested, lifted(), settings)).effects).toEqual([
      'announce:firing',
      'timer:set',
      'state:silenced→firing',
      'history:unsilenced',
    ]);
  });

  it('records who acknowledged or resolved, and keeps a resolution by hand ahead of the episode it ends', () => {
    expect(decide(stored('firing'), acknowledge, settings).patch).toEqual({
      status: 'acknowledged',
      acknowledgedBy: 'otto',
      acknowledgedAt: at(10),
      acknowledgeNote: 'on it',
      stampedAt: at(10),
    });
    const patch = decide(stored('firing', { eventAt: at(12), eventReceivedAt: at(8) }), resolve, settings).patch;
    expect(patch).toMatchObject({
      status: 'resolved',
      resolvedBy: 'otto',
      resolvedAt: at(10),
      endsAt: at(10),
      eventAt: at(12),
      silenceId: null,
    });
    expect(decide(stored('acknowledged'), acknowledge, settings).refused).toEqual({
      code: 'conflict',
      status: 'acknowledged',
      allowed: ['firing'],
    });
  });

  it('says why it escalates', () => {
    const runbook = {
      id: 'disk_cleanup',
      requestId: 'req-1',
      source: 'file_alertname',
      status: 'running',
      executionId: 'exec-1',
      at: at(1).toISOString(),
    };
    const due = decide(stored('firing', { runbook }), escalationDue, settings);
    expect(due.patch).toEqual({ escalatedAt: at(10), stampedAt: at(10) });
    expect(effectsOf(due, 'announce')).toMatchObject([
      {
        notify: {
          reason: 'unacknowledged for 5 minutes (critical)',
          runbook: { id: 'disk_cleanup', executionId: 'exec-1', outcome: 'running' },
        },
      },
    ]);
    const failed = decide(stored('firing', { runbook }), outcome('failed', true), settings);
    expect(failed.patch).toEqual({
      runbook: { ...runbook, status: 'failed', reason: 'exit 1', at: at(10).toISOString() },
      escalatedAt: at(10),
      stampedAt: at(10),
    });
    expect(effectsOf(failed, 'announce')).toMatchObject([
      {
        notify: {
          reason: 'runbook disk_cleanup failed: exit 1',
          runbook: { id: 'disk_cleanup', executionId: 'exec-1', outcome: 'failed' },
        },
      },
    ]);
  });

  it("leaves the alert's runbook alone when the outcome is of another request", () => {
    const runbook = { id: 'disk_cleanup', requestId: 'req-0', source: 'file_alertname', status: 'requested', at: at(1).toISOString() };
    expect(decide(stored('firing', { runbook }), outcome('succeeded', false), settings).patch).toEqual({ runbook, stampedAt: at(10) });
  });
});

describe('the alert machine: time it cannot trust', () => {
  const MINUTE = 60_000;
  const AHEAD = 10 * MINUTE;
  /** A receipt of the alert at minute `receivedMin`, as a sender whose clock is `skewMs` ahead reports it. */
  const event = (
    status: 'firing' | 'resolved',
    startsAt: Date,
    receivedMin: number,
    endsAt: Date | null = null,
  ): Command & { type: 'received' } => ({
    ...(received({ status, startsAt, ...(endsAt ? { endsAt } : {}) }) as Command & { type: 'received' }),
    sourceId: `evt-${status}-${receivedMin}`,
    receivedAt: at(receivedMin),
  });
  const when = (minutes: number): MachineSettings => ({ ...settings, now: at(minutes) });

  /** Decides each step against the record the previous one left, as the mapper does row by row. */
  function replay(steps: Array<[Command, number]>): Decision[] {
    let record: AlertRecord | null = null;
    return steps.map(([command, minutes]) => {
      const decision = decide(record, command, when(minutes));
      record = decision.record;
      return decision;
    });
  }
  const kinds = (decisions: Decision[]) =>
    decisions.map((decision) => decision.effects.flatMap((effect) => (effect.type === 'announce' ? [effect.notify.kind] : [])));

  it('a sender 10 minutes ahead: open, repeat, repeat, close, then its next episode opens', () => {
    const startsAt = new Date(at(0).getTime() + AHEAD);
    const decisions = replay([
      [event('firing', startsAt, 0), 0],
      [event('firing', startsAt, 1), 1],
      [event('firing', startsAt, 6), 6],
      [event('resolved', startsAt, 20, new Date(at(20).getTime() + AHEAD)), 20],
      [event('firing', new Date(at(30).getTime() + AHEAD), 30), 30],
    ]);
    expect(decisions.map((decision) => decision.outcome)).toEqual(['open', 'repeat', 'repeat', 'close', 'open']);
    expect(kinds(decisions)).toEqual([['firing'], [], ['repeat'], ['resolved'], ['firing']]);
    // The episode keeps the startsAt it was sent with; it is ordered by its receipt.
    expect(decisions[0].record).toMatchObject({ startsAt, eventAt: at(0) });
  });

  it('startsAt in 9999: re-sends stay its one episode and an honest resolution a minute later ends it', () => {
    const decisions = replay([
      [event('firing', FAR, 0), 0],
      [event('firing', FAR, 0.5), 0.5],
      [event('resolved', FAR, 1, at(1)), 1],
    ]);
    expect(decisions.map((decision) => decision.outcome)).toEqual(['open', 'repeat', 'close']);
    const opened = decisions[0];
    expect(opened.record).toMatchObject({ startsAt: FAR, eventAt: at(0) });
    expect(opened.effects).toContainEqual({ type: 'count', metric: 'clock_skew_clamped', field: 'startsAt' });
    expect(opened.effects).toContainEqual(
      expect.objectContaining({
        type: 'history',
        entry: expect.objectContaining({
          action: 'opened',
          details: expect.objectContaining({
            clockSkew: { field: 'startsAt', sent: FAR.toISOString(), orderedAs: at(0).toISOString() },
          }),
        }),
      }),
    );
  });

  it('endsAt in 9999: the next firing opens a new episode instead of being stale forever', () => {
    const decisions = replay([
      [event('firing', at(0), 0), 0],
      [event('resolved', at(0), 10, FAR), 10],
      [event('firing', at(0), 11), 11],
      [event('firing', at(12), 12), 12],
    ]);
    expect(decisions.map((decision) => decision.outcome)).toEqual(['open', 'close', 'stale', 'open']);
    expect(decisions[1].record).toMatchObject({ endsAt: FAR, eventAt: at(10), resolvedAt: at(10) });
    expect(decisions[1].effects).toContainEqual({ type: 'count', metric: 'clock_skew_clamped', field: 'endsAt' });
  });

  it('counts no clamp for a resolution without endsAt (ordered by its receipt) nor for times inside the skew', () => {
    const noEnd = { ...event('resolved', at(0), 10), alert: { ...event('resolved', at(0), 10).alert, endsAt: null } };
    const inside = event('firing', at(14), 10);
    for (const command of [noEnd, inside])
      expect(decide(null, command, when(10)).effects.filter((effect) => effect.type === 'count')).toEqual([]);
  });

  it('a resolution by hand is not held back by a far-future time stored before the clamp, so the next episode opens', () => {
    const legacy = stored('firing', { startsAt: FAR, eventAt: FAR, eventReceivedAt: at(0) });
    const resolved = decide(legacy, resolve, when(10));
    expect(resolved.patch).toMatchObject({ status: 'resolved', eventAt: at(10) });
    expect(decide(resolved.record, event('firing', at(12), 12), when(12)).outcome).toBe('open');
    // Its late re-send of the 9999 episode stays resolved.
    expect(decide(resolved.record, event('firing', FAR, 13), when(13)).outcome).toBe('stale');
  });
});

describe('the alert machine: stamps that never go back for one alert', () => {
  it("stamps with the clock, or 1 ms after the alert's last stamp when another replica's clock ran ahead", () => {
    expect(stampFor(null, at(10))).toEqual(at(10));
    expect(stampFor({ stampedAt: null }, at(10))).toEqual(at(10));
    expect(stampFor({ stampedAt: at(5) }, at(10))).toEqual(at(10));
    expect(stampFor({ stampedAt: at(20) }, at(10))).toEqual(new Date(at(20).getTime() + 1));
  });

  it('stamps a resolve after the firing a replica 10 minutes ahead announced', () => {
    const ahead = decide(null, received(), { ...settings, now: at(20) });
    expect(ahead.record).toMatchObject({ stampedAt: at(20), lastAnnouncedAt: at(20) });
    const repeat = decide(ahead.record, received(), { ...settings, now: at(12) });
    // The window runs from when that replica's clock said it announced: counted, not announced early.
    expect(summary(repeat).effects).toEqual(['count:deduplicated']);
    expect(repeat.at).toEqual(new Date(at(20).getTime() + 1));
    const resolution = decide(repeat.record, received({ status: 'resolved' }), { ...settings, now: at(12) });
    const [announced] = resolution.effects.filter((effect) => effect.type === 'announce');
    expect(announced).toMatchObject({ notify: { kind: 'resolved' } });
    expect(resolution.at.getTime()).toBeGreaterThan(ahead.at.getTime());
    expect(resolution.patch.stampedAt).toEqual(resolution.at);
  });

  it('orders a resolution by hand at the clock of the replica making it, not at the stamp, so the next episode opens', () => {
    // A replica 10 minutes ahead announced the firing; a correct one resolves by hand at minute 1.
    const firing = decide(null, { ...(received({ startsAt: 0 }) as Received), receivedAt: at(0) }, { ...settings, now: at(10) });
    const byHand = decide(firing.record, resolve, { ...settings, now: at(1) });
    expect(byHand.at).toEqual(new Date(at(10).getTime() + 1));
    expect(byHand.patch).toMatchObject({ status: 'resolved', eventAt: at(1), eventReceivedAt: at(1), resolvedAt: at(1), endsAt: at(1) });
    // Alertmanager's next episode starts at minute 4; every re-send keeps that startsAt, so stale once is stale forever.
    const next = decide(byHand.record, { ...(received({ startsAt: 4 }) as Received), receivedAt: at(4) }, { ...settings, now: at(4) });
    expect(next.outcome).toBe('open');
    expect(next.at.getTime()).toBeGreaterThan(byHand.at.getTime());
  });

  it('measures the dedup window and acknowledgements from the clock, not from a stamp a replica a day ahead left', () => {
    const DAY = 24 * 60;
    const touched = stored('firing', { lastAnnouncedAt: at(0), stampedAt: at(DAY) });
    const reminder = decide(touched, received(), { ...settings, now: at(6) });
    expect(summary(reminder).effects).toContain('announce:repeat');
    expect(reminder.patch).toMatchObject({ lastAnnouncedAt: at(6), stampedAt: new Date(at(DAY).getTime() + 1) });
    const acked = decide(touched, acknowledge, { ...settings, now: at(6) });
    expect(acked.patch).toMatchObject({ acknowledgedAt: at(6) });
    const escalated = decide(touched, escalationDue, { ...settings, now: at(6) });
    expect(escalated.patch).toMatchObject({ escalatedAt: at(6) });
  });

  it('takes the last stamp of a row older than stamped_at (NULL) as the greatest of its own times', () => {
    const legacy = stored('acknowledged', {
      stampedAt: null,
      updatedAt: at(3),
      lastAnnouncedAt: at(2),
      acknowledgedAt: at(12),
      escalatedAt: null,
      // A sender's endsAt, even 9999, is not a stamp.
      resolvedAt: FAR,
    });
    expect(stampFor(legacy, at(10))).toEqual(new Date(at(12).getTime() + 1));
    expect(stampFor(legacy, at(20))).toEqual(at(20));
    expect(stampFor({ ...legacy, acknowledgedAt: null, escalatedAt: at(15) }, at(10))).toEqual(new Date(at(15).getTime() + 1));
    expect(decide(legacy, resolve, { ...settings, now: at(10) }).at).toEqual(new Date(at(12).getTime() + 1));
  });

  it('leaves the stamp alone when a decision writes and announces nothing', () => {
    const stale = decide(stored('resolved', { stampedAt: at(20) }), received(), settings);
    expect(stale.outcome).toBe('stale');
    expect(stale.patch).toEqual({});
    expect(stale.at).toEqual(new Date(at(20).getTime() + 1));
  });
});
