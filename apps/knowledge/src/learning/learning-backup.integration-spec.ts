import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, http, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';

const ID = uniqueTestId('kn_learn_backup');

const episode = {
  id: 7,
  fingerprint: 'fp-disk-1',
  alertname: 'DiskFull',
  severity: 'critical',
  signature: 'job="db"',
  labels: { alertname: 'DiskFull', job: 'db' },
  annotations: { summary: 'disk 98%' },
  fired_at: '2026-11-01T10:00:00.123456+00:00',
  resolved_at: '2026-11-01T10:07:00+00:00',
  writeup_id: null,
};
const run = {
  request_id: 'req-1',
  execution_id: 'exec-1',
  runbook_id: 'clean_logs',
  origin: 'bus',
  fingerprint: 'fp-disk-1',
  alertname: 'DiskFull',
  mode: 'live',
  status: 'succeeded',
  requested_at: '2026-11-01T10:01:00+00:00',
  finished_at: '2026-11-01T10:02:00+00:00',
  duration_ms: 60000,
  fixed: true,
  ineffective: false,
  episode: { id: 7, fingerprint: 'fp-disk-1', fired_at: '2026-11-01T10:00:00.123456+00:00' },
};

/** What was learnt, exported and imported for backups (real Postgres and NATS). */
describe('knowledge learning backup', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;
  let db: DataSource;

  beforeAll(async () => {
    bus = await useInstallation(ID, { runbooksDir: runbooksDir([{ id: 'clean_logs', title: 'Clean logs' }]) });
    app = await startKnowledge();
    call = http(app);
    db = app.get(DataSource);
  });

  afterAll(() => closeInstallation(ID, app, bus));

  const post = (payload: unknown, query = '', token = 'admin-token') =>
    call('POST', `/api/v1/knowledge/backup/learning${query}`, token, payload);
  const exported = async () =>
    (await call('GET', '/api/v1/knowledge/backup/learning', 'viewer-token')).json<{ episodes: object[]; runs: object[] }>();

  it('adds missing episodes and runs (a dry run only counts them); importing again adds nothing; the export round-trips', async () => {
    expect((await post({ episodes: [episode], runs: [run] }, '?dry_run=true')).json()).toEqual({
      added: { episodes: 1, runs: 1 },
      dryRun: true,
    });
    expect(await exported()).toEqual({ episodes: [], runs: [] });

    expect((await post({ episodes: [episode] })).json()).toEqual({ added: { episodes: 1, runs: 0 }, dryRun: false });
    expect((await post({ runs: [run] })).json()).toEqual({ added: { episodes: 0, runs: 1 }, dryRun: false });
    expect((await post({ episodes: [episode], runs: [run] })).json()).toEqual({ added: { episodes: 0, runs: 0 }, dryRun: false });

    // The run is linked to its episode again, so the learnt numbers count it as a fix.
    const [linked] = await db.query(
      `SELECT r.episode_id = e.id AS linked FROM "${ID}".runbook_runs r, "${ID}".alert_episodes e WHERE r.request_id = 'req-1'`,
    );
    expect(linked).toEqual({ linked: true });
    const patterns = (await call('GET', '/api/v1/knowledge/patterns', 'viewer-token')).json<{ incident_patterns: unknown }>();
    expect(JSON.stringify(patterns)).toContain('DiskFull');

    const snapshot = await exported();
    expect(snapshot.episodes).toEqual([{ ...episode }]);
    expect(snapshot.runs).toEqual([expect.objectContaining({ ...run, reason: null, started_at: null })]);

    // Lost, then restored from the export: the same rows and numbers.
    await db.query(`DELETE FROM "${ID}".runbook_runs`);
    await db.query(`DELETE FROM "${ID}".alert_episodes`);
    expect((await post(snapshot)).json()).toEqual({ added: { episodes: 1, runs: 1 }, dryRun: false });
    expect(await exported()).toEqual(snapshot);
    expect((await call('GET', '/api/v1/knowledge/patterns', 'viewer-token')).json()).toEqual(patterns);
    const audit = await db.query(`SELECT action, actor FROM "${ID}".audit_log WHERE action = 'knowledge.learning.restore'`);
    expect(audit).toHaveLength(3);
  });

  it('matches episodes by id: a start moved back since the snapshot adds no duplicate; new episodes get ids past the restored ones', async () => {
    const first = {
      ...episode,
      id: 40,
      fingerprint: 'fp-moved',
      fired_at: '2026-11-02T10:00:00+00:00',
      writeup_id: 'incident-fp-moved-40',
    };
    expect((await post({ episodes: [first] })).json()).toEqual({ added: { episodes: 1, runs: 0 }, dryRun: false });
    // A late firing moved the episode's start back (EpisodeRepository.openEpisode).
    await db.query(`UPDATE "${ID}".alert_episodes SET fired_at = '2026-11-02T09:00:00Z' WHERE id = 40`);
    expect((await post({ episodes: [first] })).json()).toEqual({ added: { episodes: 0, runs: 0 }, dryRun: false });
    expect(await db.query(`SELECT count(*)::int AS n FROM "${ID}".alert_episodes WHERE fingerprint = 'fp-moved'`)).toEqual([{ n: 1 }]);
    // A run of the old snapshot still finds its episode by id.
    const late = {
      ...run,
      request_id: 'req-moved',
      fingerprint: 'fp-moved',
      episode: { id: 40, fingerprint: 'fp-moved', fired_at: first.fired_at },
    };
    expect((await post({ runs: [late] })).json()).toEqual({ added: { episodes: 0, runs: 1 }, dryRun: false });
    expect(await db.query(`SELECT episode_id FROM "${ID}".runbook_runs WHERE request_id = 'req-moved'`)).toEqual([{ episode_id: '40' }]);
    // The next episode opened live is numbered past every restored one, so its write-up id is new.
    const [opened] = await db.query(
      `INSERT INTO "${ID}".alert_episodes (fingerprint, alertname, severity, fired_at) VALUES ('fp-new', 'X', 'info', now()) RETURNING id`,
    );
    expect(Number(opened.id)).toBeGreaterThan(40);
  });

  it('takes back everything the service stores: a manual report of 20 long diagnoses, long names and reasons', async () => {
    const reason = Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(200, 'x')).join('\n');
    const long = { ...run, request_id: 'req-long', origin: 'manual', reason, alertname: 'A'.repeat(2000), episode: null };
    expect((await post({ runs: [long] })).json()).toEqual({ added: { episodes: 0, runs: 1 }, dryRun: false });
  });

  it('refuses (409) episodes whose ids here belong to another alert: a snapshot of another installation', async () => {
    const res = await post({ episodes: [{ ...episode, fingerprint: 'fp-other' }] });
    expect(res.statusCode).toBe(409);
    expect(await db.query(`SELECT count(*)::int AS n FROM "${ID}".alert_episodes WHERE fingerprint = 'fp-other'`)).toEqual([{ n: 0 }]);
  });

  it('refuses bad rows with a 400 naming the field and adds nothing; writing is for admins', async () => {
    const before = await exported();
    const bad = async (payload: unknown, field: RegExp) => {
      const res = await post(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json<{ error: { message: string } }>().error.message).toMatch(field);
    };
    await bad({ episodes: [{ ...episode, fingerprint: 'fp-2', fired_at: 'yesterday' }] }, /fired_at/);
    await bad({ runs: [{ ...run, request_id: 'req-2', origin: 'elsewhere' }] }, /origin/);
    await bad({ runs: [{ ...run, request_id: 'req-2', id: 5 }] }, /id|unrecognized/i);
    await bad({ runs: [{ ...run, request_id: 'req-\u0000' }] }, /request_id/);
    await bad({ runs: Array.from({ length: 1001 }, (_, i) => ({ ...run, request_id: `r${i}` })) }, /1000/);
    expect((await post({ runs: [{ ...run, request_id: 'req-3' }] }, '', 'operator-token')).statusCode).toBe(403);
    expect((await post({}, '?dry_run=maybe')).statusCode).toBe(400);
    expect(await exported()).toEqual(before);
  });
});
