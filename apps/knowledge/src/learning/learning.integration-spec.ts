import { NestFastifyApplication } from '@nestjs/platform-fastify';
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
import { fp, iso, NORMAL, publishEpisode, publishTimedEpisode } from '../testing/episodes';

const ID = uniqueTestId('knowledge_learning');

const RUNBOOKS = [
  { id: 'high_error_rate', title: 'High error rate', description: 'Open the circuit breaker of a failing dependency', tags: ['errors'] },
  { id: 'service_unavailable', title: 'Service unavailable', description: 'Restart the service', tags: ['availability', 'restart'] },
  { id: 'notify_admin', title: 'Notify admin', description: 'Page a person', tags: ['notify'] },
];

interface Patterns {
  incident_patterns: Record<
    string,
    {
      frequency: number;
      success_rate: number | null;
      runs: number;
      fixed: number;
      common_solutions: string[];
      triggers: string[];
      avg_resolution_time: string | null;
    }
  >;
  resolution_effectiveness: Record<string, { success_rate: number | null; runs: number; fixed: number; avg_time: string | null }>;
}

describe('learning from the bus and from people (real Postgres and NATS)', () => {
  let app: NestFastifyApplication;
  let bus: BusProbe;
  let call: ReturnType<typeof http>;

  beforeAll(async () => {
    bus = await useInstallation(ID, { runbooksDir: runbooksDir(RUNBOOKS) });
    app = await startKnowledge();
    call = http(app);
    await announceRunbooks(bus, RUNBOOKS);
  });

  afterAll(async () => {
    await closeInstallation(ID, app, bus);
  });

  const patterns = async () => (await call('GET', '/api/v1/knowledge/patterns', 'viewer-token')).json<Patterns>();
  /** The incident write-ups of one alert (by fingerprint), oldest episode first. */
  const writeupsOf = async (fingerprint: string) =>
    (await call('GET', '/api/v1/knowledge/documents?type=dynamic&source=incident&limit=500', 'viewer-token'))
      .json<{ documents: Array<{ id: string; version: number; content: string; metadata: Record<string, unknown> }> }>()
      .documents.filter((d) => d.metadata.fingerprint === fingerprint)
      .sort((a, b) => String(a.metadata.fired_at).localeCompare(String(b.metadata.fired_at)));

  it('counts a runbook that ran and whose alert resolved as a verified fix, and writes the incident up', async () => {
    const { fingerprint, requested } = await publishEpisode(bus, 1, {
      alertname: 'HighErrorRate',
      runbookId: 'high_error_rate',
      outcome: 'succeeded',
    });
    await waitFor(async () => (await writeupsOf(fingerprint)).length === 1, { message: 'write-up written' });
    const writeup = `/api/v1/knowledge/documents/${(await writeupsOf(fingerprint))[0].id}`;
    await waitFor(async () => (await patterns()).incident_patterns.HighErrorRate?.fixed === 1, { message: 'fix counted' });

    const doc = (await call('GET', writeup, 'viewer-token')).json<{
      type: string;
      source: string;
      content: string;
      metadata: Record<string, unknown>;
    }>();
    expect(doc).toMatchObject({ type: 'dynamic', source: 'incident' });
    expect(doc.content).toContain('# Incident: HighErrorRate');
    expect(doc.content).toMatch(/\| high\\_error\\_rate \| live \| succeeded \| 30s \| yes \|/);
    expect(doc.content).toContain('2m to resolve');
    // Alert text is data: the link in the annotation is escaped, not rendered.
    expect(doc.content).not.toContain('](javascript');
    expect(doc.metadata).toMatchObject({ fingerprint, alertname: 'HighErrorRate', time_to_resolve_ms: 120_000 });

    const pattern = (await patterns()).incident_patterns.HighErrorRate;
    expect(pattern).toMatchObject({
      frequency: 1,
      runs: 1,
      fixed: 1,
      success_rate: 1,
      common_solutions: ['high_error_rate'],
      avg_resolution_time: '2m',
    });
    expect(pattern.triggers).toContain('job="api"');
    expect(pattern.triggers.join(' ')).not.toContain('instance');

    // A redelivery of the request past JetStream's duplicate window counts nothing twice and rewrites nothing.
    const version = (await call('GET', writeup, 'viewer-token')).json<{ version: number }>().version;
    await bus.republish('runbooks.requested', requested);
    await bus.drained('runbooks.requested');
    await bus.drained('alerts.state.changed');
    expect((await patterns()).incident_patterns.HighErrorRate).toMatchObject({ frequency: 1, runs: 1, fixed: 1 });
    expect((await call('GET', writeup, 'viewer-token')).json<{ version: number }>().version).toBe(version);
  });

  it('credits the fix whatever order the outcome and the resolution arrive in', async () => {
    await publishEpisode(bus, 2, { alertname: 'HighErrorRate', runbookId: 'high_error_rate', outcome: 'succeeded', resolveFirst: true });
    await waitFor(async () => (await patterns()).incident_patterns.HighErrorRate?.fixed === 2, { message: 'second fix counted' });
  });

  it('counts a failed run as a run that did not fix', async () => {
    await publishEpisode(bus, 3, { alertname: 'HighErrorRate', runbookId: 'notify_admin', outcome: 'failed' });
    await waitFor(async () => (await patterns()).resolution_effectiveness.notify_admin?.runs === 1, { message: 'failed run counted' });
    const p = await patterns();
    expect(p.resolution_effectiveness.notify_admin).toMatchObject({ runs: 1, fixed: 0, success_rate: 0 });
    expect(p.incident_patterns.HighErrorRate).toMatchObject({ frequency: 3, runs: 3, fixed: 2 });
  });

  it("takes the executor's later 'ineffective' verdict over a success", async () => {
    const { fingerprint } = await publishEpisode(bus, 4, { alertname: 'DiskFull', runbookId: 'service_unavailable', outcome: 'succeeded' });
    await waitFor(async () => (await patterns()).incident_patterns.DiskFull?.fixed === 1, { message: 'provisional fix' });
    await bus.publish(
      'runbooks.execution.failed',
      {
        executionId: 'exec-4',
        requestId: 'req-4',
        runbookId: 'service_unavailable',
        mode: 'live',
        fingerprint,
        status: 'ineffective',
        reason: 'automation ran and did not help',
        finishedAt: iso(Date.now()),
        escalate: true,
      },
      'ineffective-4',
    );
    await waitFor(async () => (await patterns()).incident_patterns.DiskFull?.fixed === 0, { message: 'ineffective wins' });
  });

  it('does not leave an episode open when a resolution is handled before its firing', async () => {
    const t = Date.now() - 600_000;
    const base = { fingerprint: fp(5), alertname: 'Flappy', severity: 'warning' as const };
    await bus.publish('alerts.state.changed', { ...base, from: 'firing', to: 'resolved', at: iso(t + 60_000) }, 'flap-resolve-1');
    await bus.drained('alerts.state.changed');
    await bus.publish('alerts.state.changed', { ...base, from: null, to: 'firing', at: iso(t) }, 'flap-fire-1');
    await bus.publish('alerts.state.changed', { ...base, from: 'resolved', to: 'firing', at: iso(t + 120_000) }, 'flap-fire-2');
    await bus.publish('alerts.state.changed', { ...base, from: 'firing', to: 'resolved', at: iso(t + 180_000) }, 'flap-resolve-2');
    await bus.drained('alerts.state.changed');
    // Two occurrences; the second (fired, then resolved a minute later) gives the resolution time.
    expect((await patterns()).incident_patterns.Flappy).toMatchObject({ frequency: 2, avg_resolution_time: '1m' });
  });

  it('recommends by verified fixes: 18 of 20 above 1 of 1, never a runbook outside the catalogue', async () => {
    const report = (id: string, resolution: string, success: boolean) =>
      call('POST', '/api/v1/knowledge/learn', 'operator-token', {
        incident_data: { id, type: 'ApiDown', diagnosis: ['health check failing'], resolution: [resolution], success, duration: '4m' },
        context: { job: 'api' },
      });
    for (let i = 0; i < 20; i++) expect((await report(`proven-${i}`, 'high_error_rate', i < 18)).statusCode).toBe(200);
    expect((await report('lucky-0', 'service_unavailable', true)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) await report(`off-catalogue-${i}`, 'increase_memory_limit', true);
    // n8n retrying the same report changes nothing.
    const again = await report('lucky-0', 'service_unavailable', true);
    expect(again.json<{ new_runbook_created: boolean }>().new_runbook_created).toBe(false);

    const res = await call('GET', '/api/v1/knowledge/recommendations?alertname=ApiDown&label=job=api', 'viewer-token');
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      recommendations: Array<{ runbook_id: string; score: number; evidence: { runs: number; fixed: number; successRate: number } }>;
    }>();
    expect(body.recommendations.map((r) => r.runbook_id).slice(0, 2)).toEqual(['high_error_rate', 'service_unavailable']);
    expect(body.recommendations[0].evidence).toEqual({ runs: 20, fixed: 18, successRate: 0.9 });
    expect(body.recommendations[1].evidence).toEqual({ runs: 1, fixed: 1, successRate: 1 });
    expect(body.recommendations.map((r) => r.runbook_id)).not.toContain('increase_memory_limit');

    const p = await patterns();
    expect(p.incident_patterns.ApiDown).toMatchObject({ frequency: 26, avg_resolution_time: '4m' });
    expect(p.incident_patterns.ApiDown.triggers).toContain('health check failing');
    expect(p.resolution_effectiveness.increase_memory_limit).toMatchObject({ runs: 5, fixed: 5 });
  });

  it('exports runbook usage and success rate by runbook', async () => {
    const metrics = (await call('GET', '/metrics')).body;
    expect(metrics).toMatch(/firebreak_knowledge_runbook_runs_total\{runbook="high_error_rate",outcome="succeeded"\} 2/);
    expect(metrics).toMatch(/firebreak_knowledge_runbook_success_ratio\{runbook="notify_admin"\} 0/);
  });

  it('recommends for a fingerprint from what was learnt, with similar past incidents', async () => {
    const res = await call('GET', `/api/v1/knowledge/recommendations?fingerprint=${fp(1)}`, 'viewer-token');
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      alertname: string;
      recommendations: Array<{ runbook_id: string; evidence: { runs: number; fixed: number } }>;
      similar_incidents: Array<{ alertname: string; runbooks: Array<{ runbookId: string; outcome: string }> }>;
    }>();
    expect(body.alertname).toBe('HighErrorRate');
    expect(body.recommendations[0]).toMatchObject({ runbook_id: 'high_error_rate', evidence: { runs: 2, fixed: 2 } });
    expect(body.similar_incidents.length).toBeGreaterThanOrEqual(2);
    expect(body.similar_incidents[0].runbooks[0]).toMatchObject({ runbookId: expect.any(String), outcome: expect.any(String) });
  });

  it('writes one write-up per episode even when a late firing moves its start back', async () => {
    const t0 = Date.now() - 600_000;
    const fingerprint = await publishTimedEpisode(bus, 6, 'LateFiring', t0, NORMAL, ['request', 'done', 'resolve']);
    await waitFor(async () => (await writeupsOf(fingerprint)).length === 1, { message: 'write-up of the resolution' });
    await publishTimedEpisode(bus, 6, 'LateFiring', t0, NORMAL, ['fire']);
    await bus.drained('alerts.state.changed');
    const writeups = await writeupsOf(fingerprint);
    expect(writeups).toHaveLength(1);
    expect(writeups[0].metadata.fired_at).toBe(iso(t0));
    expect((await patterns()).incident_patterns.LateFiring).toMatchObject({ frequency: 1, runs: 1, fixed: 1 });
  });

  it("freezes a write-up's similar incidents: a redelivery after an older incident was learnt changes nothing", async () => {
    const t0 = Date.now() - 600_000;
    const first = await publishTimedEpisode(bus, 71, 'Frozen', t0, NORMAL);
    // The streams are consumed independently (state changes in batches): the first incident must be written up
    // before the second is learnt for it to be the second's similar incident.
    await waitFor(async () => (await writeupsOf(first)).length === 1, { message: 'first written up' });
    const second = await publishTimedEpisode(bus, 72, 'Frozen', t0 + 120_000, NORMAL);
    await waitFor(async () => (await writeupsOf(second)).length === 1, { message: 'second written up' });
    // Its resolution and its outcome may each write it up; the redelivery below is compared with the settled version.
    for (const subject of ['alerts.state.changed', 'runbooks.requested', 'runbooks.execution.succeeded'] as const)
      await bus.drained(subject);
    const [before] = await writeupsOf(second);
    expect(before.metadata.similar_incidents).toEqual([expect.objectContaining({ document_id: (await writeupsOf(first))[0].id })]);
    // An incident older than the second one, learnt only now: a rewrite that re-read past incidents would list it.
    const older = await publishTimedEpisode(bus, 73, 'Frozen', t0 - 3_600_000, NORMAL);
    await waitFor(async () => (await writeupsOf(older)).length === 1, { message: 'older incident written up' });
    await bus.publish(
      'runbooks.execution.succeeded',
      {
        executionId: 'exec-72',
        requestId: 'req-72',
        runbookId: 'high_error_rate',
        mode: 'live',
        fingerprint: second,
        startedAt: iso(t0 + 120_000 + NORMAL.started),
        finishedAt: iso(t0 + 120_000 + NORMAL.finished),
        durationMs: 30_000,
      },
      'done-72-again',
    );
    await bus.drained('runbooks.execution.succeeded');
    const [after] = await writeupsOf(second);
    expect(after.version).toBe(before.version);
    expect(after.content).toBe(before.content);
  });

  it('does not count a run as the fix when the alert resolved before the run started', async () => {
    const t0 = Date.now() - 600_000;
    await publishTimedEpisode(
      bus,
      8,
      'SelfHealed',
      t0,
      { fired: 0, requested: 5_000, started: 15_000, finished: 45_000, resolved: 12_000 },
      ['fire', 'request', 'resolve', 'done'],
    );
    await waitFor(async () => (await patterns()).incident_patterns.SelfHealed?.runs === 1, { message: 'run counted' });
    expect((await patterns()).incident_patterns.SelfHealed).toMatchObject({ runs: 1, fixed: 0 });
  });
});
