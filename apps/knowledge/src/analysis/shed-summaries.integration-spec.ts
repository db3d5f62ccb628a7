import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { AlertAnalysis, deriveEventId } from '@firebreak/contracts';
import { uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';
import { ANALYSED_EPISODE_STARTS_AT, sampleAnalysis } from '../testing/analyses';
import { AnalysesRepository } from './analyses.repository';
import { ShedSummaries } from './shed-summaries';

/** Shed episodes' summaries stored in batches, on real Postgres: one statement per turn, and still once per episode. */

const id = uniqueTestId('kn-shed-summaries');
let app: NestFastifyApplication;
let bus: BusProbe;
let summaries: ShedSummaries;
let repository: AnalysesRepository;

const fp = () => randomBytes(8).toString('hex');
const STARTS_AT = ANALYSED_EPISODE_STARTS_AT;

const analysisOf = (fingerprint: string, summary: string) => sampleAnalysis(fingerprint, summary, { alertname: 'KubePodCrashLooping' });

const eventIdOf = (fingerprint: string) => deriveEventId('analysis', fingerprint, STARTS_AT);
const store = (fingerprint: string, summary: string, reason: 'storm' | 'budget' = 'storm') =>
  summaries.store(analysisOf(fingerprint, summary), eventIdOf(fingerprint), reason);

async function row(fingerprint: string) {
  const rows = await app
    .get(DataSource)
    .query(`SELECT shed_reason, engine, event_id, analysis FROM "${id}".analyses WHERE fingerprint = $1`, [fingerprint]);
  return rows[0] as { shed_reason: string | null; engine: string; event_id: string; analysis: AlertAnalysis } | undefined;
}

async function skipped(reason: string): Promise<number> {
  const values = (await register.getSingleMetric('firebreak_analysis_skipped_total')?.get())?.values ?? [];
  return values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

beforeAll(async () => {
  bus = await useInstallation(id, { runbooksDir: runbooksDir([]) });
  app = await startKnowledge();
  summaries = app.get(ShedSummaries);
  repository = app.get(AnalysesRepository);
}, 60_000);

afterAll(() => closeInstallation(id, app, bus));

describe('shed summaries in batches', () => {
  it('stores a turn’s summaries in one statement; an episode with a row, or twice in the turn, is a duplicate and counted once', async () => {
    const [a, b, analysed, summarised] = [fp(), fp(), fp(), fp()];
    const full = { ...analysisOf(analysed, 'the full analysis'), engine: 'llm' as const };
    await app.get(DataSource).transaction((manager) => repository.insertFull(manager, [{ analysis: full, eventId: eventIdOf(analysed) }]));
    expect(await store(summarised, 'the first summary')).toBe(true);
    const before = { storm: await skipped('storm'), budget: await skipped('budget') };
    const inserts = jest.spyOn(repository, 'insertShed');

    const outcomes = await Promise.all([
      store(a, 'summary of a'),
      store(b, 'summary of b', 'budget'),
      // A redelivery of a's event in the same turn: it must find a's row, not be stored or counted again.
      store(a, 'summary of a, again'),
      store(analysed, 'must not replace the full analysis'),
      store(summarised, 'must not replace the first summary'),
    ]);

    expect(outcomes).toEqual([true, true, false, false, false]);
    // One INSERT for the turn; a's second summary waits for the first one's batch (same episode).
    expect(inserts.mock.calls.map(([rows]) => rows.map((r) => r.analysis.fingerprint))).toEqual([[a, b, analysed, summarised], [a]]);
    inserts.mockRestore();
    expect(await row(a)).toEqual({
      shed_reason: 'storm',
      engine: 'knowledge',
      event_id: eventIdOf(a),
      analysis: analysisOf(a, 'summary of a'),
    });
    expect((await row(b))?.shed_reason).toBe('budget');
    expect(await row(analysed)).toEqual({ shed_reason: null, engine: 'llm', event_id: eventIdOf(analysed), analysis: full });
    expect((await row(summarised))?.analysis.summary).toBe('the first summary');
    expect(await skipped('storm')).toBe(before.storm + 1);
    expect(await skipped('budget')).toBe(before.budget + 1);
  });

  it('a summary Postgres refuses fails alone; its batch-mates are stored', async () => {
    const refused = fp();
    await app.get(DataSource).query(
      `CREATE FUNCTION "${id}".refuse_shed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
       CREATE TRIGGER refuse_shed BEFORE INSERT ON "${id}".analyses FOR EACH ROW WHEN (NEW.fingerprint = '${refused}')
         EXECUTE FUNCTION "${id}".refuse_shed();`,
    );
    const [before, after] = [fp(), fp()];
    const outcomes = await Promise.allSettled([store(before, 'stored'), store(refused, 'refused'), store(after, 'stored')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/refused by the test/);
    expect((await row(before))?.shed_reason).toBe('storm');
    expect((await row(after))?.shed_reason).toBe('storm');
    expect(await row(refused)).toBeUndefined();
  });
});
