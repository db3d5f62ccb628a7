import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { PermanentError, TransactionalMessaging } from '@firebreak/bus';
import { AlertStateChanged, EventOf } from '@firebreak/contracts';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';
import { AlertStateLearning } from './alert-state-learning.service';
import { BusLearningService } from './bus-learning.service';

const ID = uniqueTestId('kn_state_batches');
const CONSUMER = 'state-batches-test';
const iso = (ms: number) => new Date(ms).toISOString();

function stateEvent(id: string, data: AlertStateChanged): EventOf<'alerts.state.changed'> {
  return { id, data } as EventOf<'alerts.state.changed'>;
}

/** alerts.state.changed handled in batches (real Postgres and NATS): the same episodes as one event at a time. */
describe('alert state changes learnt in batches', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let db: DataSource;
  let learner: AlertStateLearning;
  let transactions: jest.SpyInstance;
  const t = Date.now() - 3_600_000;

  beforeAll(async () => {
    bus = await useInstallation(ID, { runbooksDir: runbooksDir([{ id: 'restart', title: 'Restart', tags: ['restart'] }]) });
    app = await startKnowledge();
    db = app.get(DataSource);
    learner = app.get(AlertStateLearning);
    // Counts transactions; every call still runs for real.
    transactions = jest.spyOn(app.get(TransactionalMessaging), 'run');
  });

  afterAll(async () => {
    transactions.mockRestore();
    await closeInstallation(ID, app, bus);
  });

  /** A run of `restart` for the alert, requested at t+10 s and succeeded at t+45 s (before any state change). */
  async function ranRestart(fingerprint: string): Promise<void> {
    const busLearning = app.get(BusLearningService);
    const requestId = `req-${fingerprint}`;
    await busLearning.onRequested(
      {
        id: requestId,
        time: iso(t + 10_000),
        data: {
          requestId,
          runbookId: 'restart',
          mode: 'live',
          trigger: 'alert',
          fingerprint,
          context: { alert_name: 'Flappy', alert_labels: { alertname: 'Flappy', job: 'api' }, severity: 'critical', fingerprint },
          params: {},
        },
      } as unknown as Parameters<BusLearningService['onRequested']>[0],
      { consumer: CONSUMER, eventId: requestId },
    );
    await busLearning.onSucceeded(
      {
        executionId: `exec-${fingerprint}`,
        requestId,
        runbookId: 'restart',
        mode: 'live',
        fingerprint,
        startedAt: iso(t + 15_000),
        finishedAt: iso(t + 45_000),
        durationMs: 30_000,
      },
      { consumer: CONSUMER, eventId: `done-${fingerprint}` },
    );
  }

  /** A flapping alert's events, resolution first: late firing, re-firing, repeats, an acknowledgement, repeated resolution. */
  function flapping(fingerprint: string) {
    const base = { fingerprint, alertname: 'Flappy', severity: 'critical' as const };
    const events: Array<[string, Omit<AlertStateChanged, 'fingerprint' | 'alertname' | 'severity'>]> = [
      ['resolve-1', { from: 'firing', to: 'resolved', at: iso(t + 60_000) }],
      ['fire-1', { from: null, to: 'firing', at: iso(t) }],
      ['fire-2', { from: 'resolved', to: 'firing', at: iso(t + 120_000) }],
      ['fire-2-again', { from: 'resolved', to: 'firing', at: iso(t + 120_000) }],
      ['ack-2', { from: 'firing', to: 'acknowledged', at: iso(t + 130_000) }],
      ['resolve-2', { from: 'acknowledged', to: 'resolved', at: iso(t + 180_000) }],
      ['resolve-2-again', { from: 'acknowledged', to: 'resolved', at: iso(t + 180_000) }],
    ];
    return events.map(([id, change]) => stateEvent(`${fingerprint}-${id}`, { ...base, ...change }));
  }

  /** Everything learnt about one alert, without its ids. */
  async function learnt(fingerprint: string) {
    const episodes = await db.query(
      `SELECT e.fired_at, e.resolved_at, e.signature, e.labels, d.version AS writeup_version
         FROM "${ID}".alert_episodes e LEFT JOIN "${ID}".documents d ON d.id = e.writeup_id
        WHERE e.fingerprint = $1 ORDER BY e.fired_at`,
      [fingerprint],
    );
    const runs = await db.query(
      `SELECT e.fired_at AS episode_fired_at, r.fixed FROM "${ID}".runbook_runs r LEFT JOIN "${ID}".alert_episodes e ON e.id = r.episode_id
        WHERE r.fingerprint = $1`,
      [fingerprint],
    );
    return { episodes, runs };
  }

  const batched = 'bbbbbbbbbbbbbbb1';
  const oneByOne = 'bbbbbbbbbbbbbbb2';

  it("applies one alert's repeats and resolutions in one batch as one event at a time would", async () => {
    await ranRestart(batched);
    await ranRestart(oneByOne);

    const before = transactions.mock.calls.length;
    const together = await Promise.all(flapping(batched).map((event) => learner.learn(event, CONSUMER)));
    expect(transactions.mock.calls.length - before).toBe(1);

    const single = [];
    for (const event of flapping(oneByOne)) single.push(await learner.learn(event, CONSUMER));

    expect(together).toEqual(['learnt', 'learnt', 'learnt', 'learnt', 'ignored', 'learnt', 'learnt']);
    expect(together).toEqual(single);
    const result = await learnt(batched);
    expect(result).toEqual(await learnt(oneByOne));
    // The late firing moved the first episode's start back; the run is that episode's fix, written up.
    expect(result.episodes.map((e: { fired_at: Date; resolved_at: Date }) => [e.fired_at.getTime(), e.resolved_at.getTime()])).toEqual([
      [t, t + 60_000],
      [t + 120_000, t + 180_000],
    ]);
    expect(result.runs).toEqual([{ episode_fired_at: new Date(t), fixed: true }]);
    expect(result.episodes[0].writeup_version).toEqual(expect.any(Number));
  });

  it('changes nothing when a batch is delivered again, and learns only the new events of a partly redelivered one', async () => {
    const before = await learnt(batched);
    const again = await Promise.all(flapping(batched).map((event) => learner.learn(event, CONSUMER)));
    expect(again.every((outcome) => outcome === 'duplicate')).toBe(true);
    expect(await learnt(batched)).toEqual(before);

    const fresh = stateEvent(`${batched}-fire-3`, {
      fingerprint: batched,
      alertname: 'Flappy',
      severity: 'critical',
      from: 'resolved',
      to: 'firing',
      at: iso(t + 240_000),
    });
    const mixed = await Promise.all([...flapping(batched).slice(0, 3), fresh].map((event) => learner.learn(event, CONSUMER)));
    expect(mixed).toEqual(['duplicate', 'duplicate', 'duplicate', 'learnt']);
    expect((await learnt(batched)).episodes).toEqual([
      ...before.episodes,
      expect.objectContaining({ fired_at: new Date(t + 240_000), resolved_at: null }),
    ]);
  });

  it('gives a bad event its own outcome and learns the rest of its batch', async () => {
    const fire = (fingerprint: string, alertname: string, at = iso(t)) =>
      stateEvent(`bad-batch-${fingerprint}`, { fingerprint, alertname, severity: 'warning', from: null, to: 'firing', at });
    const outcomes = await Promise.allSettled([
      learner.learn(fire('cccccccccccccc01', 'Fine'), CONSUMER),
      // Postgres cannot store a NUL: refused for good before it reaches a batch.
      learner.learn(fire('cccccccccccccc02', 'Bad\u0000name'), CONSUMER),
      // Too big for the alertname index: fails its batch, which is then run one event at a time.
      learner.learn(fire('cccccccccccccc03', randomBytes(20_000).toString('hex')), CONSUMER),
      learner.learn(fire('cccccccccccccc04', 'Fine', 'no time'), CONSUMER),
      learner.learn(fire('cccccccccccccc05', 'Fine'), CONSUMER),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(PermanentError);
    expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(PermanentError);
    const rows: Array<{ fingerprint: string }> = await db.query(
      `SELECT fingerprint FROM "${ID}".alert_episodes WHERE fingerprint LIKE 'cccccccccccccc%' ORDER BY fingerprint`,
    );
    expect(rows.map((row) => row.fingerprint)).toEqual(['cccccccccccccc01', 'cccccccccccccc05']);
    // Nothing of the failed event stayed behind: not even its inbox claim (it is retried, and then learnt, if it can be).
    const claims: Array<{ n: number }> = await db.query(`SELECT count(*)::int AS n FROM "${ID}".inbox WHERE event_id = $1`, [
      'bad-batch-cccccccccccccc03',
    ]);
    expect(claims[0].n).toBe(0);
  });
});
