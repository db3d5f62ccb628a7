import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { DataSource } from 'typeorm';
import { deriveEventId, DLQ, streamName } from '@firebreak/contracts';
import { BusConnection, EventPublisher, SubjectNames } from '@firebreak/bus';
import { waitFor } from '@firebreak/testing';
import { ExecutorHarness } from '../testing/executor-harness';
import { buildConfig } from '@firebreak/platform';
import { loadSettings } from '../common/settings';
import { SERVICE } from '../service';
import { loadRunbooks } from './runbook-loader';

const SHIPPED = resolve(__dirname, '../../../../runbooks');
const SHIPPED_IDS = [
  'db_performance_degradation',
  'demo_ingress_probe',
  'dlq_recovery',
  'high_error_rate',
  'notify_admin',
  'postgres_vacuum',
  'research_system_recovery',
  'security_incident',
  'service_unavailable',
  'vector_store_optimization',
];

describe('the shipped runbooks', () => {
  it('all validate, with prose that has symptoms, diagnosis and resolution', () => {
    const catalogue = loadRunbooks(SHIPPED, new Set(['firebreak']));
    expect(catalogue.errors).toEqual([]);
    expect([...catalogue.runbooks.keys()].sort()).toEqual(SHIPPED_IDS);
    for (const { runbook, prose } of catalogue.runbooks.values()) {
      expect(prose).toMatch(/## Symptoms[\s\S]+## Diagnosis[\s\S]+## Resolution/);
      expect(runbook.steps.length).toBeGreaterThan(0);
    }
  });
});

describe('which shipped runbooks an alert annotation may choose', () => {
  it('exactly the ones config/mappings.yaml maps alerts to opt in (selectable: annotation); maintenance and paging do not', () => {
    const mappings = parse(readFileSync(resolve(__dirname, '../../../../config/mappings.yaml'), 'utf8')) as {
      alertnames: Record<string, string>;
    };
    const catalogue = loadRunbooks(SHIPPED, new Set(['firebreak']));
    const optedIn = [...catalogue.runbooks.values()]
      .filter(({ runbook }) => runbook.selectable === 'annotation')
      .map(({ runbook }) => runbook.id);
    // The six mapped ones, and the demo's probe (`npm run demo` names it by annotation).
    expect(optedIn.sort()).toEqual([...new Set(Object.values(mappings.alertnames)), 'demo_ingress_probe'].sort());
    expect(optedIn).toHaveLength(7);
    for (const id of ['postgres_vacuum', 'notify_admin', 'dlq_recovery']) expect(optedIn).not.toContain(id);
  });
});

describe('the shipped config files', () => {
  it('config/automation.yaml and config/connections.yaml load', () => {
    const settings = loadSettings(
      buildConfig(SERVICE, {
        FIREBREAK_CONFIG_DIR: resolve(__dirname, '../../../../config'),
        DATABASE_URL: 'postgres://firebreak@db:5432/firebreak',
        FIREBREAK_RUNBOOK_VARS: 'orchestrator_url=http://orchestrator.internal:9000',
      }),
    );
    expect(settings.automation).toEqual({
      circuitBreaker: { failures: 3, window: 1_800_000 },
      loopProtection: { maxRuns: 3, window: 3_600_000 },
      approvalTimeout: 1_800_000,
      drillTarget: 120_000,
      stepTimeout: 60_000,
      runbookTimeout: 1_800_000,
    });
    expect([...settings.connections.values()]).toEqual([
      { name: 'firebreak', url: 'postgres://firebreak@db:5432/firebreak', readOnly: false },
    ]);
    expect(settings.vars).toEqual({ orchestrator_url: 'http://orchestrator.internal:9000' });
  });

  it('a malformed FIREBREAK_RUNBOOK_VARS stops start-up naming it', () => {
    expect(() =>
      loadSettings(buildConfig(SERVICE, { FIREBREAK_CONFIG_DIR: '/nonexistent', FIREBREAK_RUNBOOK_VARS: 'Bad Name=x' })),
    ).toThrow(/FIREBREAK_RUNBOOK_VARS: "Bad Name=x" must be name=value/);
  });
});

describe('the runbooks that act on Firebreak itself, for real', () => {
  let h: ExecutorHarness;

  beforeAll(async () => {
    h = await new ExecutorHarness(SHIPPED, {
      config: { 'connections.yaml': { connections: [{ name: 'firebreak', serviceDatabase: true }] } },
    }).start(process.env);
  });
  afterAll(() => h?.stop());

  const run = async (runbookId: string, payload: Record<string, unknown> = {}) => {
    const response = await h.inject('POST', `/api/v1/runbooks/${runbookId}/execute`, { token: 'operator', payload });
    expect(response.statusCode).toBe(202);
    const { executionId } = response.json();
    await waitFor(
      async () => ['succeeded', 'failed'].includes((await h.inject('GET', `/api/v1/executions/${executionId}`)).json().status),
      { timeoutMs: 60_000 },
    );
    return (await h.inject('GET', `/api/v1/executions/${executionId}`)).json();
  };

  async function deadLetter(publisher: EventPublisher, subjects: SubjectNames, reason: 'handler_failed' | 'invalid', payload: string) {
    const id = deriveEventId('test-dlq', reason, payload);
    const event = {
      specversion: '1.0',
      id,
      source: 'firebreak/mapper',
      type: DLQ.type,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      subject: 'alerts.received',
      data: {
        originalSubject: 'alerts.received',
        originalEventId: 'orig',
        consumer: 'mapper-alerts-received',
        deliveries: 5,
        reason,
        error: 'boom',
        deadLetteredAt: new Date().toISOString(),
        payload,
        headers: {},
      },
    };
    await publisher.publishRaw(subjects.deadLetter('alerts.received'), 'dlq', new TextEncoder().encode(JSON.stringify(event)), id);
  }

  it('dlq_recovery replays what failed in a handler, archives the rest, and empties the stream', async () => {
    const publisher = h.app.get(EventPublisher);
    const subjects = h.app.get(SubjectNames);
    const alert = publisher.build('alerts.received', {
      source: 'api',
      receivedAt: new Date().toISOString(),
      alert: {
        fingerprint: 'abcdefabcdefabcd',
        status: 'firing',
        labels: { alertname: 'X' },
        annotations: {},
        severity: 'warning',
        startsAt: new Date().toISOString(),
        endsAt: null,
        generatorURL: '',
      },
    });
    await deadLetter(publisher, subjects, 'handler_failed', JSON.stringify(alert));
    await deadLetter(publisher, subjects, 'invalid', '{"not":"an event"}');

    const execution = await run('dlq_recovery');
    expect(execution.status).toBe('succeeded');
    expect(execution.steps.map((s: { id: string; outcome: string }) => `${s.id}:${s.outcome}`)).toEqual([
      'inspect:success',
      'replay:success',
      'archive:success',
      'report:success',
    ]);
    await waitFor(() => h.events.some((e) => e.subject === 'alerts.received' && e.event.id === alert.id));
    const archived = await h.app.get(DataSource).query(`SELECT original_subject, reason, payload FROM "${h.id}".dlq_archive`);
    expect(archived).toEqual([{ original_subject: 'alerts.received', reason: 'invalid', payload: '{"not":"an event"}' }]);
    const info = await h.app.get(BusConnection).jsm.streams.info(streamName('FIREBREAK_DLQ', h.id));
    expect(info.state.messages).toBe(0);
    await waitFor(() => h.eventsOf('notifications.requested', (d) => d.executionId === execution.id).length === 1);
    expect(h.eventsOf('notifications.requested', (d) => d.executionId === execution.id)[0].text).toMatch(
      /^Dead letters: 2 found .*replayed 1; archived 1\.$/,
    );
  });

  it("postgres_vacuum runs VACUUM ANALYZE on Firebreak's own database and reports its size", async () => {
    const execution = await run('postgres_vacuum');
    expect(execution.status).toBe('succeeded');
    expect(execution.steps.find((s: { id: string }) => s.id === 'vacuum').attempts[0].outputExcerpt).toMatch(/^VACUUM/);
    await waitFor(() => h.eventsOf('notifications.requested', (d) => d.executionId === execution.id).length === 1);
    expect(h.eventsOf('notifications.requested', (d) => d.executionId === execution.id)[0].text).toMatch(
      /^VACUUM ANALYZE success: database size \d+ \w+ before, \d+ \w+ after\.$/,
    );
  });

  it("notify_admin escalates with the alert's full context, values as data", async () => {
    const context = {
      alert_name: 'CashBalanceNegative',
      alert_labels: { account: '<script>x</script>', team: 'finance' },
      alert_annotations: { summary: 'Balance $(id) below zero' },
      severity: 'critical',
      fingerprint: 'abcdefabcdefabce',
      triggered_at: '2024-12-09T10:00:00.000Z',
    };
    const execution = await run('notify_admin', { context });
    expect(execution.status).toBe('succeeded');
    await waitFor(() => h.eventsOf('notifications.requested', (d) => d.executionId === execution.id).length === 1);
    const message = h.eventsOf('notifications.requested', (d) => d.executionId === execution.id)[0];
    expect(message).toMatchObject({ severity: 'critical', title: 'Needs a person: CashBalanceNegative', fingerprint: 'abcdefabcdefabce' });
    expect(message.text).toContain('Summary: Balance $(id) below zero');
    expect(message.text).toContain('"account":"<script>x</script>"');
  });
});
