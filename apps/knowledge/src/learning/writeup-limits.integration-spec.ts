import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import {
  announceRunbooks,
  BusProbe,
  closeInstallation,
  http,
  runbooksDir,
  startKnowledge,
  useInstallation,
} from '../testing/knowledge-harness';

const ID = uniqueTestId('kn_writeup_limits');
const RUNBOOKS = [{ id: 'restart_api', title: 'Restart the API', description: 'Restart it', tags: ['restart'] }];
/** Alertmanager allows any alertname length; the documents API allows tags of 64 characters. */
const LONG_ALERTNAME = `VeryLongAlertName_${'x'.repeat(100)}`;

interface BackupDocument {
  id: string;
  title: string;
  type: string;
  severity: string | null;
  tags: string[];
  metadata: Record<string, unknown>;
  content: string;
  source: string;
}

/** What the service writes by itself always fits what its backup restores (real Postgres and NATS). */
describe('knowledge: write-ups and reports a backup can restore', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;
  let db: DataSource;

  beforeAll(async () => {
    bus = await useInstallation(ID, { runbooksDir: runbooksDir(RUNBOOKS) });
    app = await startKnowledge();
    call = http(app);
    db = app.get(DataSource);
    await announceRunbooks(bus, RUNBOOKS);
  });

  afterAll(() => closeInstallation(ID, app, bus));

  /** The documents as the backup tool keeps them (collect.ts): without version and times. */
  const backupDocuments = async () =>
    (await call('GET', '/api/v1/knowledge/backup/documents?limit=500', 'viewer-token'))
      .json<{ documents: Array<BackupDocument & Record<string, unknown>> }>()
      .documents.map(({ id, title, type, severity, tags, metadata, content, source }) => ({
        id,
        title,
        type,
        severity,
        tags,
        metadata,
        content,
        source,
      }));
  const learning = async () =>
    (await call('GET', '/api/v1/knowledge/backup/learning', 'viewer-token')).json<{ episodes: unknown[]; runs: unknown[] }>();

  it('restores a write-up of an alert with a long name and huge labels, and a report with 20 long diagnoses, after a loss', async () => {
    const fingerprint = 'b'.repeat(16);
    const now = Date.now();
    const base = { fingerprint, alertname: LONG_ALERTNAME, severity: 'critical' as const };
    const labels = { alertname: LONG_ALERTNAME, job: 'api', dump: 'v'.repeat(30_000) };
    await bus.publish('alerts.state.changed', { ...base, from: null, to: 'firing', at: new Date(now - 60_000).toISOString() }, 'lim-fire');
    await bus.publish(
      'runbooks.requested',
      {
        requestId: 'lim-req',
        runbookId: 'restart_api',
        mode: 'live',
        trigger: 'alert',
        fingerprint,
        context: { alert_name: LONG_ALERTNAME, alert_labels: labels, alert_annotations: {}, severity: 'critical', fingerprint },
        params: {},
      },
      'lim-req',
    );
    const ref = { executionId: 'lim-exec', requestId: 'lim-req', runbookId: 'restart_api', mode: 'live' as const, fingerprint };
    await bus.publish(
      'runbooks.execution.succeeded',
      { ...ref, startedAt: new Date(now - 50_000).toISOString(), finishedAt: new Date(now - 20_000).toISOString(), durationMs: 30_000 },
      'lim-done',
    );
    await bus.publish(
      'alerts.state.changed',
      { ...base, from: 'firing', to: 'resolved', at: new Date(now + 60_000).toISOString() },
      'lim-resolve',
    );
    await waitFor(async () => (await backupDocuments()).some((d) => d.id.startsWith(`incident-${fingerprint}-`)), {
      message: 'write-up written',
    });

    const type = `Reported_${'y'.repeat(150)}`;
    const report = await call('POST', '/api/v1/knowledge/learn', 'operator-token', {
      incident_data: {
        id: 'LIM-1',
        type,
        diagnosis: Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(200, 'd')),
        resolution: ['restart_api'],
        success: true,
      },
      context: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, 'c'.repeat(1000)])),
    });
    expect(report.statusCode).toBe(200);

    const documents = await backupDocuments();
    const snapshot = await learning();
    expect(documents.map((d) => d.id).sort()).toEqual([expect.stringMatching(`^incident-${fingerprint}-`), 'learned-LIM-1']);
    for (const doc of documents) for (const tag of doc.tags) expect(tag.length).toBeLessThanOrEqual(64);

    // Lost, then restored the way `npm run restore` does it: every document and every learnt row is accepted.
    await db.query(`DELETE FROM "${ID}".documents WHERE source = 'incident'`);
    await db.query(`DELETE FROM "${ID}".runbook_runs`);
    await db.query(`DELETE FROM "${ID}".alert_episodes`);
    for (const { id, ...body } of documents) {
      const put = await call('PUT', `/api/v1/knowledge/backup/documents/${encodeURIComponent(id)}`, 'admin-token', body);
      expect({ id, status: put.statusCode, body: put.statusCode === 200 ? '' : put.body }).toEqual({ id, status: 200, body: '' });
    }
    const imported = await call('POST', '/api/v1/knowledge/backup/learning', 'admin-token', snapshot);
    expect(imported.statusCode).toBe(200);
    expect(await backupDocuments()).toEqual(documents);
    expect(await learning()).toEqual(snapshot);
  });
});
