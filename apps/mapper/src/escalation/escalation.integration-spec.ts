import { receiptId } from '../alerts/alert-ingest.service';
import { randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { deriveEventId, Subject } from '@firebreak/contracts';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { BusProbe, http, ManualClock, processed, startMapper, closeInstallation, useInstallation } from '../testing/mapper-harness';

const MINUTE = 60_000;
const OPERATOR = 'operator-token-1';

const installation = (automation: boolean) => ({
  tokens: `${OPERATOR}:operator:otto`,
  config: {
    'mappings.yaml': 'alertnames:\n  ServiceDown: service_unavailable\n',
    'escalation.yaml': 'escalation:\n  critical: 5m\n  error: 15m\n  info: none\n',
  },
  env: { FIREBREAK_TIMER_POLL_MS: '100', FIREBREAK_AUTOMATION_ENABLED: String(automation) },
});

const escalatedCount = async (reason: string) =>
  (await register.getSingleMetric('firebreak_alerts_escalated_total')!.get()).values.find((value) => value.labels.reason === reason)
    ?.value ?? 0;

describe('mapper: escalation timers and runbook outcomes (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_escalation');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;

  beforeAll(async () => {
    bus = await useInstallation(id, installation(true));
    app = await startMapper();
    clock = new ManualClock(app, new Date());
  });

  afterAll(() => closeInstallation(id, app, bus));

  const db = () => app.get(DataSource);
  const emitted = <S extends Subject>(subject: S, fingerprint?: string) => bus.emitted(db(), id, subject, fingerprint);
  const staged = async (subject: 'alerts.notify', fingerprint: string, kind?: string): Promise<number> =>
    (await emitted(subject, fingerprint)).filter((event) => kind === undefined || event.data.kind === kind).length;
  const timers = async (fingerprint: string): Promise<number> =>
    (await db().query(`SELECT count(*)::int AS n FROM "${id}".escalation_timers WHERE fingerprint = $1`, [fingerprint]))[0].n;

  async function send(labels: Record<string, string>) {
    const event = await bus.publishAlert({ labels, startsAt: clock.now(), receivedAt: clock.now() });
    await processed(app, receiptId(event));
    return event;
  }

  it('escalates an unacknowledged alert once when its delay passed while no mapper ran, with two replicas polling', async () => {
    const before = await escalatedCount('unacknowledged');
    const critical = await send({ alertname: 'CheckoutDown', severity: 'critical' });
    const acked = await send({ alertname: 'CheckoutSlow', severity: 'error' });
    const quiet = await send({ alertname: 'CheckoutInfo', severity: 'info' });
    const fingerprint = critical.data.alert.fingerprint;
    expect(await timers(fingerprint)).toBe(1);
    expect(await timers(quiet.data.alert.fingerprint)).toBe(0);
    expect((await http(app)('POST', `/api/v1/alerts/${acked.data.alert.fingerprint}/acknowledge`, OPERATOR, {})).statusCode).toBe(200);
    await app.close();

    clock.advance(6 * MINUTE);
    const replicas = [await startMapper(), await startMapper()];
    replicas.forEach((replica) => clock.attach(replica));
    app = replicas[0];
    try {
      const [escalated] = await bus
        .waitForEvents('alerts.notify', fingerprint, 2)
        .then((events) => events.filter((event) => event.data.kind === 'escalated'));
      expect(escalated.id).toBe(deriveEventId('notify', receiptId(critical), 'escalated'));
      expect(escalated.data).toMatchObject({
        kind: 'escalated',
        reason: 'unacknowledged for 5 minutes (critical)',
        alert: { fingerprint, status: 'firing' },
      });
      // The claim deleted the timer in the transaction that staged the announcement: it cannot fire again.
      expect(await timers(fingerprint)).toBe(0);
      expect(await staged('alerts.notify', fingerprint, 'escalated')).toBe(1);
      expect(await staged('alerts.notify', acked.data.alert.fingerprint, 'escalated')).toBe(0);
      expect(await escalatedCount('unacknowledged')).toBe(before + 1);
      const detail = (await db().query(`SELECT escalated_at FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]))[0];
      expect(detail.escalated_at.getTime()).toBeGreaterThanOrEqual(clock.now().getTime() - 1);
    } finally {
      await replicas[1].close();
    }
  });

  it('silences, instead of escalating, an alert a stored silence covers before its pages reached it', async () => {
    const before = await escalatedCount('unacknowledged');
    const event = await send({ alertname: 'LedgerDown', team: 'ledger', severity: 'critical' });
    const fingerprint = event.data.alert.fingerprint;
    expect(await timers(fingerprint)).toBe(1);
    // In force and stored, but its pages have not reached this alert (20k alerts take ~30 s, or a page failed).
    const silenceId = randomUUID();
    await db().query(
      `INSERT INTO "${id}".silences (id, matchers, starts_at, ends_at, created_by, comment, created_at, updated_at, applied_state)
       VALUES ($1, $2::jsonb, $3, $4, 'olga', 'ledger maintenance', $3, $3, 'active')`,
      [silenceId, JSON.stringify(['team="ledger"']), clock.now(), new Date(clock.now().getTime() + 60 * MINUTE)],
    );
    clock.advance(6 * MINUTE);
    await waitFor(async () => (await timers(fingerprint)) === 0, { message: 'the due timer was handled' });
    const row = (await db().query(`SELECT status, silence_id FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]))[0];
    expect(row).toEqual({ status: 'silenced', silence_id: silenceId });
    expect(await staged('alerts.notify', fingerprint, 'escalated')).toBe(0);
    expect(await escalatedCount('unacknowledged')).toBe(before);
    // Silenced as the silence's own page would have done it: the same history entry, and the page finds nothing left.
    const actions = await db().query(`SELECT action, details FROM "${id}".alert_history WHERE fingerprint = $1 ORDER BY id`, [fingerprint]);
    expect(actions.map((entry: { action: string }) => entry.action)).toEqual(['opened', 'silenced']);
    expect(actions[1].details).toEqual({ silenceId });
  });

  it('measures an escalation delay from the clock, not from a stamp a replica a day ahead left on the alert', async () => {
    const labels = { alertname: 'QueueStuck', severity: 'critical' };
    const first = await send(labels);
    const fingerprint = first.data.alert.fingerprint;
    const resolved = await bus.publishAlert({
      labels,
      status: 'resolved',
      startsAt: clock.now(),
      endsAt: clock.now(),
      receivedAt: clock.now(),
    });
    await processed(app, receiptId(resolved));
    // What a replica whose clock ran a day ahead leaves (its clock was corrected since).
    await db().query(`UPDATE "${id}".alerts SET stamped_at = $2 WHERE fingerprint = $1`, [
      fingerprint,
      new Date(clock.now().getTime() + 24 * 60 * MINUTE),
    ]);
    clock.advance(MINUTE);
    const openedAt = clock.now();
    await send(labels);
    const [timer] = await db().query(`SELECT due_at FROM "${id}".escalation_timers WHERE fingerprint = $1`, [fingerprint]);
    expect(timer.due_at.getTime()).toBe(openedAt.getTime() + 5 * MINUTE);
    clock.advance(6 * MINUTE);
    await waitFor(async () => (await staged('alerts.notify', fingerprint, 'escalated')) === 1, { message: 'escalated on time' });
  });

  it('escalates at once when a runbook fails and asks for it, records every outcome, and does it once per event', async () => {
    const failedEvent = async (fingerprint: string, requestId: string, escalate: boolean) =>
      bus.publish(
        'runbooks.execution.failed',
        {
          executionId: `exec-${requestId.slice(0, 8)}`,
          requestId,
          runbookId: 'service_unavailable',
          mode: 'live',
          fingerprint,
          status: 'failed',
          reason: 'step restart: exit 1',
          finishedAt: clock.now().toISOString(),
          escalate,
        },
        deriveEventId('test-failed', requestId, String(escalate)),
        fingerprint,
      );
    const request = async (labels: Record<string, string>) => {
      const fingerprint = (await send(labels)).data.alert.fingerprint;
      return { fingerprint, requestId: (await bus.waitForEvents('runbooks.requested', fingerprint, 1))[0].data.requestId };
    };
    const before = await escalatedCount('runbook_failed');

    const failing = await request({ alertname: 'ServiceDown', service: 'cart', severity: 'warning' });
    const failed = await failedEvent(failing.fingerprint, failing.requestId, true);
    await processed(app, failed.id, 'mapper-runbooks-execution-failed');
    const [, escalated] = await bus.waitForEvents('alerts.notify', failing.fingerprint, 2);
    expect(escalated.data).toMatchObject({
      kind: 'escalated',
      reason: 'runbook service_unavailable failed: step restart: exit 1',
      runbook: { id: 'service_unavailable', executionId: failed.data.executionId, outcome: 'failed' },
    });
    await bus.republish('runbooks.execution.failed', failed);
    const quiet = await request({ alertname: 'ServiceDown', service: 'wishlist', severity: 'warning' });
    await processed(app, (await failedEvent(quiet.fingerprint, quiet.requestId, false)).id, 'mapper-runbooks-execution-failed');
    const fixed = await request({ alertname: 'ServiceDown', service: 'search', severity: 'warning' });
    const succeeded = await bus.publish(
      'runbooks.execution.succeeded',
      {
        executionId: 'exec-ok',
        requestId: fixed.requestId,
        runbookId: 'service_unavailable',
        mode: 'live',
        fingerprint: fixed.fingerprint,
        startedAt: clock.now().toISOString(),
        finishedAt: clock.now().toISOString(),
        durationMs: 1200,
      },
      deriveEventId('test-succeeded', fixed.requestId),
      fixed.fingerprint,
    );
    await processed(app, succeeded.id, 'mapper-runbooks-execution-succeeded');

    const stream = `FIREBREAK_RUNBOOKS_${id.toUpperCase()}`;
    await waitFor(
      async () => {
        const info = await bus.connection.jsm.consumers.info(stream, 'mapper-runbooks-execution-failed');
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      { message: 'the redelivered failure was consumed' },
    );
    expect(await staged('alerts.notify', failing.fingerprint, 'escalated')).toBe(1);
    expect(await staged('alerts.notify', quiet.fingerprint, 'escalated')).toBe(0);
    expect(await escalatedCount('runbook_failed')).toBe(before + 1);
    expect(await timers(failing.fingerprint)).toBe(0);

    const runbookOf = async (fingerprint: string) =>
      (await db().query(`SELECT runbook FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]))[0].runbook;
    expect(await runbookOf(failing.fingerprint)).toMatchObject({
      id: 'service_unavailable',
      status: 'failed',
      reason: 'step restart: exit 1',
    });
    expect(await runbookOf(fixed.fingerprint)).toMatchObject({ status: 'succeeded', executionId: 'exec-ok' });
    const status = (await http(app)('GET', '/api/v1/integration-status', OPERATOR)).json();
    expect(status.requests.byRunbook.service_unavailable.byStatus).toEqual({ failed: 2, succeeded: 1 });
  });
});

describe('mapper: automation switched off (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_noauto');
  let app: NestFastifyApplication;
  let bus: BusProbe;

  beforeAll(async () => {
    bus = await useInstallation(id, installation(false));
    app = await startMapper();
  });

  afterAll(() => closeInstallation(id, app, bus));

  it('requests no runbook for a mapped alert, still announces it, and records what it would have run', async () => {
    const event = await bus.publishAlert({
      labels: { alertname: 'ServiceDown', service: 'api', severity: 'critical' },
      startsAt: new Date(),
      receivedAt: new Date(),
    });
    await processed(app, receiptId(event));
    const fingerprint = event.data.alert.fingerprint;
    const [firing] = await bus.waitForEvents('alerts.notify', fingerprint, 1);
    expect(firing.data.runbook).toEqual({ id: 'service_unavailable', outcome: 'automation_disabled' });
    // Would be staged with the announcement: still in the outbox, or published (its outbox row deleted). The outbox
    // is read first: a row published and deleted between the two reads is then still seen on the stream.
    const dataSource = app.get(DataSource);
    expect((await dataSource.query(`SELECT count(*)::int AS n FROM "${id}".outbox WHERE subject = 'runbooks.requested'`))[0].n).toBe(0);
    expect(await bus.events('runbooks.requested')).toEqual([]);
    const status = (await http(app)('GET', '/api/v1/integration-status', OPERATOR)).json();
    expect(status.automation).toEqual({ enabled: false });
    expect(status.requests.byRunbook).toEqual({ service_unavailable: { total: 1, byStatus: { suppressed: 1 } } });
    const detail = (await http(app)('GET', `/api/v1/alerts/${fingerprint}`, OPERATOR)).json();
    expect(detail.runbook).toMatchObject({
      id: 'service_unavailable',
      status: 'suppressed',
      reason: expect.stringMatching(/automation is disabled/),
    });
    expect(detail.history[0].details.runbook).toMatchObject({ status: 'suppressed' });
  });
});
