import { receiptId } from '../alerts/alert-ingest.service';
import { randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { Subject } from '@firebreak/contracts';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { BusProbe, http, ManualClock, processed, startMapper, closeInstallation, useInstallation } from '../testing/mapper-harness';

const MINUTE = 60_000;
const OPERATOR = 'operator-token-1';
const VIEWER = 'viewer-token-1';

describe('mapper: silences (real NATS and Postgres)', () => {
  const id = uniqueTestId('mapper_silences');
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let clock: ManualClock;
  let db: DataSource;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(id, {
      tokens: `${OPERATOR}:operator:otto,${VIEWER}:viewer:vera`,
      config: { 'mappings.yaml': 'alertnames: {}\n', 'escalation.yaml': 'escalation:\n  critical: 5m\n' },
      env: { FIREBREAK_TIMER_POLL_MS: '100' },
    });
    app = await startMapper();
    clock = new ManualClock(app, new Date());
    db = app.get(DataSource);
    call = http(app);
  });

  afterAll(() => closeInstallation(id, app, bus));

  const alertRow = async (fingerprint: string) => (await db.query(`SELECT * FROM "${id}".alerts WHERE fingerprint = $1`, [fingerprint]))[0];
  const emitted = <S extends Subject>(subject: S, fingerprint?: string) => bus.emitted(db, id, subject, fingerprint);
  const staged = async (subject: Subject, fingerprint: string): Promise<number> => (await emitted(subject, fingerprint)).length;
  const timers = async (fingerprint: string): Promise<number> =>
    (await db.query(`SELECT count(*)::int AS n FROM "${id}".escalation_timers WHERE fingerprint = $1`, [fingerprint]))[0].n;

  async function send(labels: Record<string, string>, startsAt: Date, annotations: Record<string, string> = {}) {
    const event = await bus.publishAlert({ labels, startsAt, receivedAt: clock.now(), annotations });
    await processed(app, receiptId(event));
    return event.data.alert.fingerprint;
  }

  async function silence(matchers: string[], options: { startsAt?: Date; endsAt?: Date } = {}) {
    const response = await call('POST', '/api/v1/silences', OPERATOR, {
      matchers,
      ...(options.startsAt ? { startsAt: options.startsAt.toISOString() } : {}),
      endsAt: (options.endsAt ?? new Date(clock.now().getTime() + 60 * MINUTE)).toISOString(),
      comment: 'maintenance window',
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string; state: string; createdBy: string; matchers: string[] }>();
  }

  it('keeps a silenced alert and counts it, announces and remediates nothing, and lets it fire once the silence has expired', async () => {
    const created = await silence(['alertname="DiskFull"', 'team=~"ops|infra"']);
    expect(created).toMatchObject({ state: 'active', createdBy: 'otto', matchers: ['alertname="DiskFull"', 'team=~"ops|infra"'] });
    const labels = { alertname: 'DiskFull', team: 'ops', severity: 'critical' };
    const annotations = { automation_runbook: 'disk_cleanup' };
    const startsAt = clock.now();
    const fingerprint = await send(labels, startsAt, annotations);
    clock.advance(2 * MINUTE);
    await send(labels, startsAt, annotations);
    expect(await alertRow(fingerprint)).toMatchObject({
      status: 'silenced',
      silence_id: created.id,
      occurrences: 2,
      last_announced_at: null,
    });
    expect(await staged('alerts.notify', fingerprint)).toBe(0);
    expect(await staged('runbooks.requested', fingerprint)).toBe(0);
    expect(await timers(fingerprint)).toBe(0);

    const other = await send({ ...labels, team: 'web' }, startsAt);
    expect(await staged('alerts.notify', other)).toBe(1);

    clock.advance(60 * MINUTE);
    await send(labels, startsAt, annotations);
    const [firing] = await bus.waitForEvents('alerts.notify', fingerprint, 1);
    expect(firing.data).toMatchObject({ kind: 'firing', runbook: { id: 'disk_cleanup' } });
    await bus.waitForEvents('runbooks.requested', fingerprint, 1);
    await waitFor(
      async () => (await db.query(`SELECT applied_state FROM "${id}".silences WHERE id = $1`, [created.id]))[0].applied_state === 'expired',
      { message: 'the sweeper saw the silence end' },
    );
    expect(await alertRow(fingerprint)).toMatchObject({ status: 'firing', silence_id: null });
    expect(await staged('alerts.notify', fingerprint)).toBe(1);
    expect(await staged('runbooks.requested', fingerprint)).toBe(1);
    expect(await timers(fingerprint)).toBe(1);
    const expired = await call('GET', '/api/v1/silences?state=expired', VIEWER);
    expect(expired.json().items.map((item: { id: string }) => item.id)).toContain(created.id);
  });

  it('quiets a firing alert as soon as a silence covers it, and expiring the silence lets it fire again (no second announcement inside the window)', async () => {
    const labels = { alertname: 'LatencyHigh', service: 'search', severity: 'critical' };
    const fingerprint = await send(labels, clock.now());
    expect(await timers(fingerprint)).toBe(1);
    const created = await silence(['service="search"']);
    expect(await alertRow(fingerprint)).toMatchObject({ status: 'silenced', silence_id: created.id });
    expect(await timers(fingerprint)).toBe(0);
    const changes = await bus.waitForEvents('alerts.state.changed', fingerprint, 2);
    expect(changes[1].data).toMatchObject({ from: 'firing', to: 'silenced' });

    const expired = await call('DELETE', `/api/v1/silences/${created.id}`, OPERATOR);
    expect(expired.statusCode).toBe(200);
    expect(expired.json()).toMatchObject({ id: created.id, state: 'expired' });
    expect(await alertRow(fingerprint)).toMatchObject({ status: 'firing', silence_id: null });
    expect((await bus.waitForEvents('alerts.state.changed', fingerprint, 3))[2].data).toMatchObject({ from: 'silenced', to: 'firing' });
    expect(await staged('alerts.notify', fingerprint)).toBe(1);

    expect((await call('DELETE', `/api/v1/silences/${created.id}`, OPERATOR)).statusCode).toBe(409);
    expect((await call('DELETE', `/api/v1/silences/${randomUUID()}`, OPERATOR)).statusCode).toBe(404);
    const audit = await db.query(`SELECT actor, action, target FROM "${id}".audit_log WHERE target = $1 ORDER BY id`, [created.id]);
    expect(audit).toEqual([
      { actor: 'otto', action: 'silence.create', target: created.id },
      { actor: 'otto', action: 'silence.expire', target: created.id },
    ]);
  });

  it('silences an alert that arrives while a silence is being created on another replica', async () => {
    // Another replica's silence change, caught mid-transaction: it holds the change lock and has
    // written its silence, not yet committed.
    const other = db.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      await other.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`"${id}".silences:change`]);
      const now = clock.now();
      await other.query(
        `INSERT INTO "${id}".silences (id, matchers, starts_at, ends_at, created_by, comment, created_at, updated_at, applied_state) VALUES (gen_random_uuid(), $1::jsonb, $2, $3, 'olga', 'race', $2, $2, 'active')`,
        [JSON.stringify(['alertname="RaceAlert"']), new Date(now.getTime() - MINUTE), new Date(now.getTime() + 60 * MINUTE)],
      );
      const event = await bus.publishAlert({ labels: { alertname: 'RaceAlert', severity: 'critical' }, startsAt: now, receivedAt: now });
      // The mapper's transaction waits for the change to commit rather than deciding without it.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await alertRow(event.data.alert.fingerprint)).toBeUndefined();
      await other.commitTransaction();
      await processed(app, receiptId(event));
      expect(await alertRow(event.data.alert.fingerprint)).toMatchObject({ status: 'silenced' });
      expect(await staged('alerts.notify', event.data.alert.fingerprint)).toBe(0);
    } finally {
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
  });

  it('applies a silence that starts later when its start comes', async () => {
    const labels = { alertname: 'BackupLate', job: 'backup', severity: 'warning' };
    const created = await silence(['job="backup"'], { startsAt: new Date(clock.now().getTime() + 10 * MINUTE) });
    expect(created.state).toBe('pending');
    const fingerprint = await send(labels, clock.now());
    expect((await alertRow(fingerprint)).status).toBe('firing');
    clock.advance(11 * MINUTE);
    await waitFor(async () => (await alertRow(fingerprint)).status === 'silenced', { message: 'the pending silence was applied' });
    expect((await call('GET', '/api/v1/silences?state=active', VIEWER)).json().items.map((item: { id: string }) => item.id)).toContain(
      created.id,
    );
  });

  it('rejects a bad silence with 400 naming the field and writes nothing; reading needs viewer, writing operator', async () => {
    const count = async () => (await db.query(`SELECT count(*)::int AS n FROM "${id}".silences`))[0].n;
    const before = await count();
    const endsAt = new Date(clock.now().getTime() + MINUTE).toISOString();
    const bad = async (body: unknown) => {
      const response = await call('POST', '/api/v1/silences', OPERATOR, body);
      expect(response.statusCode).toBe(400);
      return response.json().error.message as string;
    };
    expect(await bad({ matchers: ['job=~"(unclosed"'], endsAt, comment: 'x' })).toMatch(/^matchers\.0: invalid regex/);
    expect(await bad({ matchers: ['job="a"', 'nonsense'], endsAt, comment: 'x' })).toMatch(/^matchers\.1: bad matcher format/);
    expect(await bad({ matchers: ['job=~".*"'], endsAt, comment: 'x' })).toMatch(
      /^matchers: at least one matcher must not match the empty string/,
    );
    expect(await bad({ matchers: [], endsAt, comment: 'x' })).toMatch(/^matchers: /);
    expect(
      await bad({ matchers: ['job="a"'], startsAt: new Date(clock.now().getTime() + 2 * MINUTE).toISOString(), endsAt, comment: 'x' }),
    ).toMatch(/^endsAt: must be after startsAt/);
    expect(await bad({ matchers: ['job="a"'], endsAt: new Date(clock.now().getTime() - MINUTE).toISOString(), comment: 'x' })).toMatch(
      /^endsAt: must be in the future/,
    );
    expect(await bad({ matchers: ['job="a"'], endsAt: 'tomorrow', comment: 'x' })).toMatch(/^endsAt: /);
    expect(await bad({ matchers: ['job="a"'], endsAt })).toMatch(/^comment: /);
    expect(await bad({ matchers: ['job="a"'], endsAt, comment: 'a\u0000b' })).toMatch(/^comment: must not contain NUL/);
    expect(await bad({ matchers: ['job="a"'], endsAt, comment: 'x'.repeat(2001) })).toMatch(/^comment: must be at most 2000/);
    expect((await call('DELETE', '/api/v1/silences/not-a-uuid', OPERATOR)).json().error.message).toMatch(/^id: must be a silence id/);
    expect(await count()).toBe(before);

    expect((await call('GET', '/api/v1/silences')).statusCode).toBe(401);
    expect((await call('GET', '/api/v1/silences', VIEWER)).statusCode).toBe(200);
    expect((await call('POST', '/api/v1/silences', VIEWER, { matchers: ['job="a"'], endsAt, comment: 'x' })).statusCode).toBe(403);
    expect((await call('DELETE', `/api/v1/silences/${randomUUID()}`, VIEWER)).statusCode).toBe(403);
  });
});
