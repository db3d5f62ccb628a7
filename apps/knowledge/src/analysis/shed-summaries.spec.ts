import { DependencyUnavailableError } from '@firebreak/bus';
import { AlertAnalysis } from '@firebreak/contracts';
import { AnalysesRepository } from './analyses.repository';
import { ShedSummaries } from './shed-summaries';

const analysis = { fingerprint: '0123456789abcdef', startsAt: '2026-12-07T00:00:00.000Z' } as AlertAnalysis;

/** What a summary's store says when Postgres fails (the batching itself runs on real Postgres: the integration spec). */
describe('ShedSummaries when Postgres fails', () => {
  it('reports Postgres away as an outage to wait out, so a storm is not dead-lettered through it', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const summaries = new ShedSummaries({ insertShed: () => Promise.reject(refused) } as unknown as AnalysesRepository);
    await expect(summaries.store(analysis, 'e1', 'storm')).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('passes any other failure on as it is (retried, then dead-lettered as that one alert)', async () => {
    const refused = Object.assign(new Error('invalid input syntax for type json'), { code: '22P02' });
    const summaries = new ShedSummaries({ insertShed: () => Promise.reject(refused) } as unknown as AnalysesRepository);
    await expect(summaries.store(analysis, 'e1', 'storm')).rejects.toBe(refused);
  });
});
