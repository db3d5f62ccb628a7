import { DataSource } from 'typeorm';
import { CloudEvent, DataOf, prefixedSubject, streamForSubject } from '@firebreak/contracts';
import { BusConnection, EventPublisher } from '@firebreak/bus';
import { table } from '@firebreak/platform';
import { FakeHttpTarget, waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';

const target = new FakeHttpTarget();
let h: ExecutorHarness;

const SLO = 'notification-delivery';
// A remediation that must not restart while the SLO burns (a restart costs budget), and that says so instead.
const guarded = {
  id: 'slo_guarded',
  title: 'Restart unless the SLO burns',
  severity: 'warning',
  loop: { maxRuns: 100, window: '1h' },
  steps: [
    {
      id: 'restart',
      uses: 'http',
      if: `!slo['${SLO}'].burning`,
      with: { method: 'POST', url: 'http://127.0.0.1:{{ params.port }}/restart' },
    },
    {
      id: 'hold_off',
      uses: 'http',
      if: `slo['${SLO}'].burning && slo['${SLO}'].budgetRemaining < 0.5`,
      with: { url: 'http://127.0.0.1:{{ params.port }}/hold-off' },
    },
    {
      id: 'unknown',
      uses: 'http',
      if: "slo.never_announced.state == 'unknown' && !slo.never_announced.burning && slo.never_announced.budgetRemaining == null",
      with: { url: 'http://127.0.0.1:{{ params.port }}/unknown' },
    },
  ],
};

beforeAll(async () => {
  await target.start();
  h = await new ExecutorHarness({ 'slo_guarded.yaml': guarded }).start(process.env);
});

afterAll(async () => {
  await h?.stop();
  await target.stop();
});

beforeEach(() => target.reset());

type Change = DataOf<'slo.budget.changed'>;
const change = (state: Change['state'], at: string, extra: Partial<Change> = {}): Change => ({
  sloId: SLO,
  service: 'notifier',
  state,
  previousState: null,
  tier: state === 'burning' ? 'page' : null,
  errorBudgetRemaining: state === 'burning' ? 0.31 : 0.8,
  at,
  ...extra,
});
const publish = async (data: Change, id: string) =>
  (await h.app.get(EventPublisher).publish('slo.budget.changed', data, { id, subject: data.sloId })).event;

const sloStates = async () => {
  const response = await h.inject('GET', '/api/v1/slo-states', { token: 'viewer' });
  expect(response.statusCode).toBe(200);
  return (response.json() as { states: Array<Record<string, unknown>> }).states;
};
const stateOf = async (sloId: string) => (await sloStates()).find((s) => s.sloId === sloId);

const consumerIdle = async () => {
  const info = await h.app
    .get(BusConnection)
    .jsm.consumers.info(streamForSubject('slo.budget.changed', h.id), 'runbook-executor-slo-budget-changed');
  return info.num_pending === 0 && info.num_ack_pending === 0;
};

async function runGuarded(): Promise<string[]> {
  const requestId = await h.request({ runbookId: 'slo_guarded', params: { port: new URL(target.url).port } });
  const row = await h.waitForStatus(requestId, ['succeeded', 'failed']);
  expect(row.status).toBe('succeeded');
  const detail = (await h.inject('GET', `/api/v1/executions/${row.id}`, { token: 'viewer' })).json();
  return detail.steps.map((s: { id: string; outcome: string }) => `${s.id}:${s.outcome}`);
}

describe('SLO-aware conditions', () => {
  it('reads an SLO never announced as unknown: not burning, no budget, so the restart runs', async () => {
    expect(await sloStates()).toEqual([]);
    expect(await runGuarded()).toEqual(['restart:success', 'hold_off:skipped', 'unknown:success']);
    expect(target.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /restart', 'GET /unknown']);
  });

  it('keeps the state a real slo.budget.changed brings, and a step `if:` reading it skips the restart while it burns', async () => {
    await publish(change('burning', '2025-12-10T10:00:00.000Z', { previousState: 'ok' }), 'slo-burning-1');
    await waitFor(async () => (await stateOf(SLO))?.state === 'burning', { message: 'the burning state was not kept' });
    expect(await stateOf(SLO)).toMatchObject({
      sloId: SLO,
      service: 'notifier',
      state: 'burning',
      previousState: 'ok',
      burning: true,
      exhausted: false,
      budgetRemaining: 0.31,
      tier: 'page',
      changedAt: '2025-12-10T10:00:00.000Z',
    });

    expect(await runGuarded()).toEqual(['restart:skipped', 'hold_off:success', 'unknown:success']);
    expect(target.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /hold-off', 'GET /unknown']);
  });

  it('keeps the newest `at` when events arrive out of order, and a redelivered event changes nothing', async () => {
    // Newer first: the SLO recovered at 10:30; the 10:20 "exhausted" arrives after it.
    const recovered = await publish(change('ok', '2025-12-10T10:30:00.000Z', { previousState: 'burning' }), 'slo-ok-2');
    await waitFor(async () => (await stateOf(SLO))?.state === 'ok', { message: 'the recovery was not kept' });
    await publish(change('exhausted', '2025-12-10T10:20:00.000Z', { previousState: 'burning', errorBudgetRemaining: -0.05 }), 'slo-old-3');
    // A marker on another SLO, published after the late event: once it is kept and the consumer is idle, the late one was handled.
    await publish(change('burning', '2025-12-10T10:31:00.000Z', { sloId: 'marker-1' }), 'slo-marker-1');
    await waitFor(async () => !!(await stateOf('marker-1')) && (await consumerIdle()), { message: 'the marker was not kept' });
    const kept = await stateOf(SLO);
    expect(kept).toMatchObject({
      state: 'ok',
      burning: false,
      exhausted: false,
      budgetRemaining: 0.8,
      changedAt: '2025-12-10T10:30:00.000Z',
    });

    // The kept event again under another Nats-Msg-Id (JetStream's duplicate window would drop a plain re-publish).
    const publisher = h.app.get(EventPublisher);
    const copy = new TextEncoder().encode(JSON.stringify(recovered satisfies CloudEvent<Change>));
    await publisher.publishRaw(prefixedSubject('slo.budget.changed', h.id), 'slo.budget.changed', copy, `${recovered.id}-copy`);
    await publish(change('burning', '2025-12-10T10:32:00.000Z', { sloId: 'marker-2' }), 'slo-marker-2');
    await waitFor(async () => !!(await stateOf('marker-2')) && (await consumerIdle()), { message: 'the second marker was not kept' });
    expect(await stateOf(SLO)).toEqual(kept);
    const inbox = await h.app
      .get(DataSource)
      .query(`SELECT count(*)::int AS n FROM ${table(h.id, 'inbox')} WHERE event_id = $1`, [recovered.id]);
    expect(inbox[0].n).toBe(1);
    expect(h.events.filter((e) => e.subject.startsWith('dlq.'))).toEqual([]);

    expect(await runGuarded()).toEqual(['restart:success', 'hold_off:skipped', 'unknown:success']);
  });

  it('lists every known SLO for viewers only, in id order', async () => {
    expect((await sloStates()).map((s) => s.sloId)).toEqual(['marker-1', 'marker-2', SLO]);
    expect((await h.inject('GET', '/api/v1/slo-states', { token: null })).statusCode).toBe(401);
  });
});
