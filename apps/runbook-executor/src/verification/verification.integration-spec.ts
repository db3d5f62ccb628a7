import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DataOf, streamForSubject } from '@firebreak/contracts';
import { BusConnection, EventPublisher, PublishItem } from '@firebreak/bus';
import { table } from '@firebreak/platform';
import { waitFor } from '@firebreak/testing';
import { runbookOf } from '../engine/testing/engine-harness';
import { ExecutionRow, VerifyStatus } from '../lifecycle/execution.types';
import { ExecutorHarness } from '../testing/executor-harness';
import { VerificationRepository } from './verification.repository';
import { VerificationService } from './verification.service';

let h: ExecutorHarness;
let db: DataSource;

beforeAll(async () => {
  h = await new ExecutorHarness({}).start(process.env);
  db = h.app.get(DataSource);
}, 60_000);

afterAll(() => h?.stop());

const verified = runbookOf({ verify: { resolvedWithin: '10m' }, steps: [{ id: 'fix', uses: 'wait', with: { duration: '1s' } }] });
const fingerprint = () => randomBytes(8).toString('hex');
const minutesFrom = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000);

function change(fp: string, to: 'firing' | 'resolved', at: Date): PublishItem<'alerts.state.changed'> {
  const data: DataOf<'alerts.state.changed'> = {
    fingerprint: fp,
    alertname: 'DiskFull',
    severity: 'critical',
    from: to === 'resolved' ? 'firing' : null,
    to,
    at: at.toISOString(),
  };
  return { subject: 'alerts.state.changed', data, options: { id: `evt-${randomUUID()}` } };
}

/** A live automatic run of a runbook with `verify`, as the worker leaves it: ended (verify pending) or still running. */
async function insertRun(
  fp: string,
  createdAt: Date,
  state: { status: 'succeeded' | 'running'; verify: VerifyStatus | null },
  manager: EntityManager = db.manager,
): Promise<string> {
  const id = randomUUID();
  await manager.query(
    `INSERT INTO ${table(h.id, 'executions')} (id, request_id, runbook_id, mode, trigger, fingerprint, severity, status, created_at,
       not_before, verify_due_at, verify_status) VALUES ($1, $2, 'fix', 'live', 'alert', $3, 'critical', $4, $5, $5, $6, $7)`,
    [id, `req-${id}`, fp, state.status, createdAt, state.verify ? minutesFrom(createdAt, 60) : null, state.verify],
  );
  return id;
}

async function verifyStatusOf(id: string): Promise<VerifyStatus | null> {
  const [row] = await db.query(`SELECT verify_status FROM ${table(h.id, 'executions')} WHERE id = $1`, [id]);
  return (row as { verify_status: VerifyStatus | null }).verify_status;
}

/** The verification window a succeeded run of `verified` for the alert, created at `createdAt`, opens as it ends now. */
function windowOfRunEndingNow(fp: string, createdAt: Date) {
  const run = { definition: verified, trigger: 'alert', mode: 'live', fingerprint: fp, created_at: createdAt } as ExecutionRow;
  return h.app.get(VerificationService).windowFor(db.manager, run, 'succeeded', new Date());
}

/** Until the executor's consumer of alert states has settled everything published so far. */
async function consumerSettled(): Promise<void> {
  const { jsm } = h.app.get(BusConnection);
  const stream = streamForSubject('alerts.state.changed', h.id);
  const { state } = await jsm.streams.info(stream);
  await waitFor(async () => {
    const info = await jsm.consumers.info(stream, 'runbook-executor-alerts-state-changed');
    return info.ack_floor.stream_seq >= state.last_seq && info.num_ack_pending === 0;
  });
}

describe('alert state changes the executor consumes for verification', () => {
  it('marks a pending verification effective when its resolution comes among hundreds of unrelated changes, and nothing else', async () => {
    const now = new Date();
    const resolvedAlert = fingerprint();
    const stillFiring = fingerprint();
    const helped = await insertRun(resolvedAlert, minutesFrom(now, -5), { status: 'succeeded', verify: 'pending' });
    const notYet = await insertRun(stillFiring, minutesFrom(now, -5), { status: 'succeeded', verify: 'pending' });
    const unrelated = Array.from({ length: 600 }, (_, i) => change(fingerprint(), i % 3 === 0 ? 'resolved' : 'firing', now));
    await h.app
      .get(EventPublisher)
      .publishMany([
        ...unrelated.slice(0, 300),
        change(stillFiring, 'firing', now),
        change(resolvedAlert, 'resolved', now),
        ...unrelated.slice(300),
      ]);
    await consumerSettled();
    expect(await verifyStatusOf(helped)).toBe('effective');
    expect(await verifyStatusOf(notYet)).toBe('pending');
  });

  it("finds an alert's resolution for a run whose recording had not committed when the resolution was consumed", async () => {
    const fp = fingerprint();
    const createdAt = new Date();
    // The recorder stamps created_at before its batch's transaction commits: the run is invisible to any read until then.
    const recording = db.createQueryRunner();
    await recording.startTransaction();
    try {
      await insertRun(fp, createdAt, { status: 'running', verify: null }, recording.manager);
      await h.app.get(EventPublisher).publishMany([change(fp, 'resolved', minutesFrom(createdAt, 0.01))]);
      await consumerSettled();
      await recording.commitTransaction();
    } finally {
      await recording.release();
    }
    expect(await windowOfRunEndingNow(fp, createdAt)).toMatchObject({ status: 'effective' });
  });

  it("keeps an alert's newest state whatever the order, repeats or batches its changes come in, and verifies a run once", async () => {
    const repo = h.app.get(VerificationRepository);
    const fp = fingerprint();
    const t0 = new Date();
    const ran = await insertRun(fp, t0, { status: 'succeeded', verify: 'pending' });
    const resolved = change(fp, 'resolved', minutesFrom(t0, 1)).data;
    const refired = change(fp, 'firing', minutesFrom(t0, 2)).data;
    // A redelivery waiting in the same batch as its first delivery, behind a newer change of the same alert.
    await repo.recordAlertStates(
      [refired, resolved, resolved].map((c) => ({ fingerprint: c.fingerprint, status: c.to, at: new Date(c.at) })),
    );
    expect(await verifyStatusOf(ran)).toBe('effective');
    const later = await insertRun(fp, minutesFrom(t0, 1.5), { status: 'succeeded', verify: 'pending' });
    // The resolution again, alone, after the re-fire: too old to be the alert's state, too early to verify a run started after it.
    await repo.recordAlertStates([{ fingerprint: fp, status: 'resolved', at: minutesFrom(t0, 1) }]);
    expect(await verifyStatusOf(later)).toBe('pending');
    expect(await verifyStatusOf(ran)).toBe('effective');
    const [state] = await db.query(`SELECT status, changed_at FROM ${table(h.id, 'alert_states')} WHERE fingerprint = $1`, [fp]);
    expect(state).toEqual({ status: 'firing', changed_at: minutesFrom(t0, 2) });
    // A run created before the resolution but ending only now: the alert fires again, so its window opens pending.
    expect(await windowOfRunEndingNow(fp, t0)).toMatchObject({ status: 'pending' });
  });

  it('lets a resolution redelivered after the alert fired again verify nothing: the run that ended pending stays pending', async () => {
    const repo = h.app.get(VerificationRepository);
    const fp = fingerprint();
    const t0 = new Date();
    const run = await insertRun(fp, t0, { status: 'running', verify: null });
    const resolution = { fingerprint: fp, status: 'resolved', at: minutesFrom(t0, 1) };
    await repo.recordAlertStates([resolution]);
    await repo.recordAlertStates([{ fingerprint: fp, status: 'firing', at: minutesFrom(t0, 2) }]);
    // The run ends now: its alert fires again, so its window opens pending (and would end ineffective).
    expect(await windowOfRunEndingNow(fp, t0)).toMatchObject({ status: 'pending' });
    await db.query(`UPDATE ${table(h.id, 'executions')} SET status = 'succeeded', verify_status = 'pending' WHERE id = $1`, [run]);
    // The resolution again (its ack lost before a restart, or an outbox republish): it is not the alert's state any more.
    await repo.recordAlertStates([resolution]);
    expect(await verifyStatusOf(run)).toBe('pending');
  });
});
