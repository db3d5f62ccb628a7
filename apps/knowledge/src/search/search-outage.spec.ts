import { DependencyUnavailableError } from '@firebreak/bus';
import { SearchRepository, SearchRow } from './search.repository';
import { SearchService } from './search.service';

const FILTER = { limit: 3 };

/** A repository whose Postgres is away: every statement fails to connect. */
function awayRepository(): SearchRepository {
  const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
  return { search: refused, searchMany: refused } as unknown as SearchRepository;
}

describe('alert searches while Postgres is away', () => {
  it('while Postgres is away fail as an outage, batched or alone, so the analyses wait for Postgres instead of counting toward dead-lettering', async () => {
    const service = new SearchService(awayRepository());
    const batch = await Promise.allSettled([service.related('HighErrorRate api', FILTER), service.related('DiskFull node', FILTER)]);
    const alone = await Promise.allSettled([service.related('HighErrorRate api', FILTER)]);
    for (const result of [...batch, ...alone]) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(DependencyUnavailableError);
    }
  });

  it('fail one search alone when it is refused for itself (not an outage)', async () => {
    const row: SearchRow = {
      id: 'runbook-1',
      title: 'Restart the api',
      type: 'static',
      severity: null,
      tags: [],
      source: 'runbook',
      body: 'Restart it.',
      metadata: {},
      updated_at: new Date('2026-01-01T00:00:00Z'),
      relevance: 1,
      total: '1',
    };
    const repo = {
      searchMany: () => Promise.reject(new Error('invalid byte sequence for encoding "UTF8": 0x00')),
      search: (query: string) => (query.includes('Bad') ? Promise.reject(new Error('invalid byte sequence')) : Promise.resolve([row])),
    } as unknown as SearchRepository;
    const service = new SearchService(repo);
    const [bad, good] = await Promise.allSettled([service.related('Bad alert', FILTER), service.related('Good alert', FILTER)]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).not.toBeInstanceOf(DependencyUnavailableError);
    expect(good).toMatchObject({ status: 'fulfilled', value: [{ id: 'runbook-1' }] });
  });
});
