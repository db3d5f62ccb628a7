import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { uniqueTestId } from '@firebreak/testing';
import {
  announceRunbooks,
  BusProbe,
  closeInstallation,
  http,
  runbooksDir,
  startKnowledge,
  useInstallation,
} from '../testing/knowledge-harness';

const ID = uniqueTestId('knowledge_reports');

const RUNBOOKS = [
  { id: 'high_error_rate', title: 'High error rate', description: 'Open the circuit breaker of a failing dependency', tags: ['errors'] },
];

interface Patterns {
  incident_patterns: Record<string, { frequency: number; runs: number; common_solutions: string[]; triggers: string[] }>;
}

/** What people report through POST /learn, and the recommendation and learn APIs' refusals. */
describe('learning from reports, and what the learning API refuses (real Postgres and NATS)', () => {
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

  it('counts a report without an id once however often it is retried, and keeps ids case-sensitive', async () => {
    const report = (incident: Record<string, unknown>) =>
      call('POST', '/api/v1/knowledge/learn', 'operator-token', {
        incident_data: { type: 'NoIdReport', resolution: ['high_error_rate'], success: true, ...incident },
        context: { job: 'api' },
      });
    const first = await report({ diagnosis: ['slow'] });
    expect(first.json<{ new_runbook_created: boolean }>().new_runbook_created).toBe(true);
    // The same body with its keys in another order is the same report.
    const retried = await call('POST', '/api/v1/knowledge/learn', 'operator-token', {
      context: { job: 'api' },
      incident_data: { success: true, resolution: ['high_error_rate'], diagnosis: ['slow'], type: 'NoIdReport' },
    });
    expect(retried.json<{ new_runbook_created: boolean }>().new_runbook_created).toBe(false);
    expect((await patterns()).incident_patterns.NoIdReport).toMatchObject({ frequency: 1, runs: 1 });

    const upper = await report({ id: 'INC-1' });
    const lower = await report({ id: 'inc-1' });
    expect(upper.json<{ runbook_id: string }>().runbook_id).toBe('learned-INC-1');
    expect(lower.json<{ runbook_id: string }>().runbook_id).toBe('learned-inc-1');
    expect((await call('GET', '/api/v1/knowledge/documents/learned-INC-1', 'viewer-token')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/knowledge/documents/learned-inc-1', 'viewer-token')).statusCode).toBe(200);
    expect((await patterns()).incident_patterns.NoIdReport).toMatchObject({ frequency: 3, runs: 3 });
  });

  it('sorts patterns by counts as numbers (10 before 9)', async () => {
    const report = (id: string, type: string, resolution: string, diagnosis: string) =>
      call('POST', '/api/v1/knowledge/learn', 'operator-token', {
        incident_data: { id, type, diagnosis: [diagnosis], resolution: [resolution], success: true },
      });
    for (let i = 0; i < 10; i++) expect((await report(`ten-${i}`, 'SortA', 'r_ten', 'd_ten')).statusCode).toBe(200);
    for (let i = 0; i < 9; i++) expect((await report(`nine-${i}`, 'SortA', 'r_nine', 'd_nine')).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await report(`two-${i}`, 'SortB', 'r_two', 'd_two')).statusCode).toBe(200);
    const p = await patterns();
    expect(p.incident_patterns.SortA.common_solutions).toEqual(['r_ten', 'r_nine']);
    expect(p.incident_patterns.SortA.triggers).toEqual(['d_ten', 'd_nine']);
    const order = Object.keys(p.incident_patterns);
    expect(order.indexOf('SortA')).toBeLessThan(order.indexOf('SortB'));
  });

  it.each([
    ['', 'neither fingerprint nor alertname'],
    ['fingerprint=xyz', 'a malformed fingerprint'],
    ['alertname=A&label=novalue', 'a label without ='],
    ['alertname=A&label=1bad=x', 'a bad label name'],
    ['alertname=A&extra=1', 'an unknown parameter'],
  ])('refuses recommendations?%s (%s) with a 400', async (query) => {
    expect((await call('GET', `/api/v1/knowledge/recommendations?${query}`, 'viewer-token')).statusCode).toBe(400);
  });

  it('404s a fingerprint nothing is known about', async () => {
    expect((await call('GET', `/api/v1/knowledge/recommendations?fingerprint=${'f'.repeat(16)}`, 'viewer-token')).statusCode).toBe(404);
  });

  it.each([
    [{}, 'no incident_data'],
    [{ incident_data: { type: 'X', resolution: [], success: true } }, 'no resolution'],
    [{ incident_data: { type: 'X', resolution: ['a'], success: 'yes' } }, 'success not a boolean'],
    [{ incident_data: { type: 'X', resolution: ['a'], success: true, duration: 'soon' } }, 'a bad duration'],
    [{ incident_data: { type: 'X\u0000', resolution: ['a'], success: true } }, 'a NUL'],
  ])('refuses a learn body with %s (%s) with a 400', async (body: unknown, _why: string) => {
    expect((await call('POST', '/api/v1/knowledge/learn', 'operator-token', body)).statusCode).toBe(400);
  });
});
