import type { CatalogService } from '../catalog/catalog.service';
import type { DocumentsService } from '../documents/documents.service';
import type { LearningService } from '../learning/learning.service';
import type { SearchService } from '../search/search.service';
import type { KnowledgeConfig } from '../service';
import { FindingsService } from './findings.service';

/** Counts what one alert costs the database: the per-alertname reads must be shared by a burst of alerts. */
function setUp(cacheMs: number) {
  let now = Date.parse('2026-12-06T12:00:00Z');
  const calls = { stats: 0, related: [] as Array<Record<string, unknown>> };
  const learning = {
    stats: async () => {
      calls.stats++;
      return [
        { runbookId: 'high_error_rate', runs: 10, fixed: 9, succeeded: 10, medianResolveMs: null, avgDurationMs: null, lastSeen: null },
      ];
    },
    fixedLabels: async () => new Map(),
    writeups: async () => [],
  } as unknown as LearningService;
  const search = {
    related: async (_text: string, filter: Record<string, unknown>) => {
      calls.related.push(filter);
      return [];
    },
  } as unknown as SearchService;
  const catalog = { known: async (ids: string[]) => new Map(ids.map((id) => [id, { title: id }])) } as unknown as CatalogService;
  const documents = { find: async () => [] } as unknown as DocumentsService;
  const config = { FIREBREAK_KNOWLEDGE_FINDINGS_CACHE: cacheMs } as KnowledgeConfig;
  const clock = { now: () => new Date(now), sleep: async () => undefined };
  const service = new FindingsService(learning, catalog, search, documents, config, clock);
  return { service, calls, advance: (ms: number) => (now += ms) };
}

const alert = { alertname: 'HighErrorRate', labels: { alertname: 'HighErrorRate', job: 'api' } };

describe('FindingsService', () => {
  it('reuses what is known per alertname for the cache time, then reads again', async () => {
    const { service, calls, advance } = setUp(60_000);
    const first = await service.forAlert(alert);
    await service.forAlert(alert);
    advance(59_000);
    await service.forAlert(alert);
    expect(calls.stats).toBe(1);
    advance(2_000);
    const later = await service.forAlert(alert);
    expect(calls.stats).toBe(2);
    expect(later.recommendedRunbooks).toEqual(first.recommendedRunbooks);
    expect(first.recommendedRunbooks[0]).toMatchObject({ runbookId: 'high_error_rate', evidence: { runs: 10, fixed: 9 } });
  });

  it("shares the per-alertname reads between alerts of one name with other labels (a storm's), and searches each text", async () => {
    const { service, calls } = setUp(60_000);
    const [first, second] = await Promise.all([
      service.forAlert({ alertname: 'HighErrorRate', labels: { alertname: 'HighErrorRate', instance: '10.0.0.1:9100' } }),
      service.forAlert({ alertname: 'HighErrorRate', labels: { alertname: 'HighErrorRate', instance: '10.0.0.2:9100' } }),
    ]);
    await service.forAlert({ alertname: 'HighErrorRate', labels: { alertname: 'HighErrorRate', instance: '10.0.0.1:9100' } });
    expect(calls.stats).toBe(1);
    expect(calls.related).toHaveLength(4);
    expect(second.recommendedRunbooks).toEqual(first.recommendedRunbooks);
    await service.forAlert({ alertname: 'TargetDown', labels: { alertname: 'TargetDown', instance: '10.0.0.1:9100' } });
    expect(calls.stats).toBe(2);
  });

  it('reads every time with the cache off', async () => {
    const { service, calls } = setUp(0);
    await service.forAlert(alert);
    await service.forAlert(alert);
    expect(calls.stats).toBe(2);
  });

  it("limits an alert's searches to runbook prose and documents other than other alerts' write-ups", async () => {
    const { service, calls } = setUp(60_000);
    await service.forAlert(alert);
    expect(calls.related).toEqual([
      { sources: ['runbook'], limit: 20 },
      { limit: 10, incidentsOf: 'HighErrorRate' },
    ]);
  });
});
