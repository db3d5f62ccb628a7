import { randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '@firebreak/platform';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { receiptId } from '../alerts/alert-ingest.service';
import { BusProbe, closeInstallation, http, ManualClock, processed, startMapper, useInstallation } from '../testing/mapper-harness';

const MINUTE = 60_000;
const OPERATOR = 'operator-token-1';
const ADMIN = 'admin-token-1';

/**
 * Rows written before regexes had RE2 semantics: a silence with a lookahead or a backreference
 * was accepted then and is refused now. Such a silence must not fail alert ingest (every batch
 * would be dead-lettered and nobody paged); it is left out, as if it did not exist.
 */
describe('mapper: stored silences whose matchers no longer parse (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_unreadable');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;
  let db: DataSource;
  let call: ReturnType<typeof http>;
  let warn: jest.SpyInstance;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: `${OPERATOR}:operator:otto,${ADMIN}:admin:ada`,
      config: { 'mappings.yaml': 'alertnames:\n  DiskFull: disk_cleanup\n', 'escalation.yaml': 'escalation:\n  critical: 5m\n' },
      env: { FIREBREAK_TIMER_POLL_MS: '100' },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
    db = app.get(DataSource);
    call = http(app);
    warn = jest.spyOn(app.get<Logger>(LOGGER), 'warn');
  });

  afterAll(() => closeInstallation(id, app, bus));

  const alertRow = async (fingerprint: string) => (await db.query(`SELECT * FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]))[0];
  const appliedState = async (silenceId: string): Promise<string> =>
    (await db.query(`SELECT applied_state FROM "${id}".silences WHERE id = $1`, [silenceId]))[0].applied_state;
  const unreadableGauge = async (): Promise<number> => {
    const line = /^firebreak_silences_unreadable (\d+)$/m.exec((await call('GET', '/metrics')).body);
    if (!line) throw new Error('firebreak_silences_unreadable is not exposed');
    return Number(line[1]);
  };
  const warnedAbout = (silenceId: string): number =>
    warn.mock.calls.filter(([fields]) => (fields as { silenceId?: string } | undefined)?.silenceId === silenceId).length;

  /** A silence row as an older release stored it: straight into the table, past today's validation. */
  async function insertSilence(matchers: string[], startsAt: Date, endsAt: Date, appliedState: 'pending' | 'active'): Promise<string> {
    const silenceId = randomUUID();
    await db.query(
      `INSERT INTO "${id}".silences (id, matchers, starts_at, ends_at, created_by, comment, created_at, updated_at, applied_state)
       VALUES ($1, $2::jsonb, $3, $4, 'before-upgrade', 'created before RE2', $5, $5, $6)`,
      [silenceId, JSON.stringify(matchers), startsAt, endsAt, clock.now(), appliedState],
    );
    return silenceId;
  }

  async function send(labels: Record<string, string>, startsAt: Date) {
    const event = await bus.publishAlert({ labels, startsAt, receivedAt: clock.now() });
    await processed(app, receiptId(event));
    return event.data.alert.fingerprint;
  }

  it('ingests and announces alerts as if the unreadable silences did not exist, while a valid silence still silences, and lists them as not applied', async () => {
    const now = clock.now();
    const lookahead = await insertSilence(
      ['instance=~"(?!canary).*"'],
      new Date(now.getTime() - MINUTE),
      new Date(now.getTime() + 60 * MINUTE),
      'active',
    );
    const backreference = await insertSilence(
      ['alertname="DiskFull"', 'job=~"(a)\\\\1"'],
      new Date(now.getTime() + 2 * MINUTE),
      new Date(now.getTime() + 60 * MINUTE),
      'pending',
    );
    const created = await call('POST', '/api/v1/silences', OPERATOR, {
      matchers: ['team="quiet"'],
      endsAt: new Date(now.getTime() + 60 * MINUTE).toISOString(),
      comment: 'maintenance window',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ state: 'active', applied: true });
    expect(created.json()).not.toHaveProperty('problem');
    const valid = created.json<{ id: string }>().id;

    const loud = await send({ alertname: 'DiskFull', instance: 'web-1', job: 'aa', severity: 'critical' }, now);
    expect(await alertRow(loud)).toMatchObject({ status: 'firing', silence_id: null });
    const [firing] = await bus.waitForEvents('alerts.notify', loud, 1);
    expect(firing.data).toMatchObject({ kind: 'firing', runbook: { id: 'disk_cleanup' } });
    await bus.waitForEvents('runbooks.requested', loud, 1);

    const quiet = await send({ alertname: 'DiskFull', instance: 'web-2', team: 'quiet', severity: 'critical' }, now);
    expect(await alertRow(quiet)).toMatchObject({ status: 'silenced', silence_id: valid });
    expect(await bus.events('alerts.notify', quiet)).toHaveLength(0);

    // The sweeper reaches the unreadable pending silence's start: it silences nothing, and is not claimed again.
    clock.advance(3 * MINUTE);
    await waitFor(async () => (await appliedState(backreference)) === 'active', { message: 'the sweeper passed the unreadable silence' });
    expect(await alertRow(loud)).toMatchObject({ status: 'firing' });
    const later = await send({ alertname: 'DiskFull', instance: 'web-3', job: 'aa', severity: 'critical' }, clock.now());
    expect((await bus.waitForEvents('alerts.notify', later, 1))[0].data).toMatchObject({ kind: 'firing' });

    // Logged once per silence, not once per alert or read; counted by the gauge.
    expect(warnedAbout(lookahead)).toBe(1);
    expect(warnedAbout(backreference)).toBe(1);
    expect(warnedAbout(valid)).toBe(0);
    const [fields] = warn.mock.calls.find(([logged]) => (logged as { silenceId?: string }).silenceId === lookahead)!;
    expect(fields).toMatchObject({ silenceId: lookahead, problem: expect.stringMatching(/^matchers\.0: invalid regex/) });
    expect(await unreadableGauge()).toBe(2);

    const listed = (await call('GET', '/api/v1/silences?state=active', OPERATOR)).json<{ items: Array<Record<string, unknown>> }>().items;
    const byId = new Map(listed.map((item) => [item.id, item]));
    expect(byId.get(lookahead)).toMatchObject({
      matchers: ['instance=~"(?!canary).*"'],
      state: 'active',
      createdBy: 'before-upgrade',
      comment: 'created before RE2',
      applied: false,
      problem: expect.stringMatching(/^matchers\.0: invalid regex "\(\?!canary\)\.\*"/),
    });
    expect(byId.get(backreference)).toMatchObject({ applied: false, problem: expect.stringMatching(/^matchers\.1: invalid regex/) });
    expect(byId.get(valid)).toMatchObject({ matchers: ['team="quiet"'], applied: true });
    expect(byId.get(valid)).not.toHaveProperty('problem');

    // An operator can still expire one; it then no longer counts.
    const expired = await call('DELETE', `/api/v1/silences/${lookahead}`, OPERATOR);
    expect(expired.statusCode).toBe(200);
    expect(expired.json()).toMatchObject({ id: lookahead, state: 'expired', applied: false });
    expect(await unreadableGauge()).toBe(1);
  });

  it('lets an alert held by a silence that no longer parses fire again at its next event, and releases nothing twice when it expires', async () => {
    const labels = { alertname: 'QueueStuck', queue: 'billing', severity: 'critical' };
    const startsAt = clock.now();
    const created = await call('POST', '/api/v1/silences', OPERATOR, {
      matchers: ['queue="billing"'],
      endsAt: new Date(startsAt.getTime() + 60 * MINUTE).toISOString(),
      comment: 'billing migration',
    });
    const silenceId = created.json<{ id: string }>().id;
    const fingerprint = await send(labels, startsAt);
    expect(await alertRow(fingerprint)).toMatchObject({ status: 'silenced', silence_id: silenceId });

    // As if it had been stored by an older release with a pattern RE2 refuses.
    await db.query(`UPDATE "${id}".silences SET matchers = $2::jsonb WHERE id = $1`, [
      silenceId,
      JSON.stringify(['queue=~"(?=billing)b.*"']),
    ]);
    clock.advance(MINUTE);
    await send(labels, startsAt);
    expect(await alertRow(fingerprint)).toMatchObject({ status: 'firing', silence_id: null });
    expect((await bus.waitForEvents('alerts.notify', fingerprint, 1))[0].data).toMatchObject({ kind: 'firing' });
    expect(warnedAbout(silenceId)).toBe(1);

    expect((await call('DELETE', `/api/v1/silences/${silenceId}`, OPERATOR)).statusCode).toBe(200);
    expect(await alertRow(fingerprint)).toMatchObject({ status: 'firing' });
    expect(await bus.events('alerts.notify', fingerprint)).toHaveLength(1);
  });

  it('takes a runtime mapping row as a literal alertname: a pattern-looking one stored before the upgrade is never parsed and breaks nothing', async () => {
    await db.query(
      `INSERT INTO "${id}".runtime_mappings (alertname, runbook_id, updated_by, updated_at) VALUES ('(?!Disk).*', 'catch_all', 'before-upgrade', $1)`,
      [clock.now()],
    );
    expect((await call('PUT', '/api/v1/mappings/BackupFailed', ADMIN, { runbookId: 'backup_retry' })).statusCode).toBe(200);

    const backup = await send({ alertname: 'BackupFailed', job: 'nightly', severity: 'critical' }, clock.now());
    expect((await bus.waitForEvents('runbooks.requested', backup, 1))[0].data).toMatchObject({ runbookId: 'backup_retry' });
    const other = await send({ alertname: 'CertExpiring', job: 'tls', severity: 'critical' }, clock.now());
    expect((await bus.waitForEvents('alerts.notify', other, 1))[0].data).toMatchObject({ kind: 'firing' });
    expect(await bus.events('runbooks.requested', other)).toHaveLength(0);

    const mappings = (await call('GET', '/api/v1/mappings', ADMIN)).json<{ runtime: Array<{ alertname: string; runbookId: string }> }>();
    expect(mappings.runtime).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ alertname: '(?!Disk).*', runbookId: 'catch_all' }),
        expect.objectContaining({ alertname: 'BackupFailed', runbookId: 'backup_retry' }),
      ]),
    );
  });
});
