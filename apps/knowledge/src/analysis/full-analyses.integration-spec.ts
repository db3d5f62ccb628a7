import { randomBytes } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { AlertAnalysis, CloudEvent, DataOf, deriveEventId, streamForSubject } from '@firebreak/contracts';
import { DependencyUnavailableError, TransactionalMessaging, TransactionResult } from '@firebreak/bus';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { BusProbe, closeInstallation, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';
import { ANALYSED_EPISODE_STARTS_AT, sampleAnalysis } from '../testing/analyses';
import { AnalysesRepository } from './analyses.repository';
import { FullAnalyses } from './full-analyses';
import { ShedSummaries } from './shed-summaries';

/** Full analyses checked and stored in batches, on real Postgres and NATS: still once per event and per episode. */

const id = uniqueTestId('kn-full-analyses');
const CONSUMER = 'knowledge-alerts-notify';
let app: NestFastifyApplication;
let bus: BusProbe;
let full: FullAnalyses;
let repository: AnalysesRepository;

const fp = () => randomBytes(8).toString('hex');
const STARTS_AT = ANALYSED_EPISODE_STARTS_AT;

const analysisOf = sampleAnalysis;

const eventIdOf = (fingerprint: string) => deriveEventId('analysis', fingerprint, STARTS_AT);
const store = (fingerprint: string, summary: string, notifyId = `notify-${fingerprint}`) =>
  full.store(analysisOf(fingerprint, summary), eventIdOf(fingerprint), { consumer: CONSUMER, eventId: notifyId });

async function row(fingerprint: string) {
  const rows = await app
    .get(DataSource)
    .query(`SELECT shed_reason, event_id, analysis FROM "${id}".analyses WHERE fingerprint = $1`, [fingerprint]);
  return rows[0] as { shed_reason: string | null; event_id: string; analysis: AlertAnalysis } | undefined;
}

async function announced(fingerprints: string[]): Promise<Array<CloudEvent<DataOf<'alerts.analysis'>>>> {
  const stream = streamForSubject('alerts.analysis', id);
  const { state } = await bus.connection.jsm.streams.info(stream);
  const out: Array<CloudEvent<DataOf<'alerts.analysis'>>> = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const msg = await bus.connection.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (msg && msg.subject === bus.subjects.wire('alerts.analysis')) out.push(msg.json<CloudEvent<DataOf<'alerts.analysis'>>>());
  }
  return out.filter((event) => fingerprints.includes(event.data.fingerprint));
}

beforeAll(async () => {
  bus = await useInstallation(id, { runbooksDir: runbooksDir([]) });
  app = await startKnowledge();
  full = app.get(FullAnalyses);
  repository = app.get(AnalysesRepository);
}, 60_000);

afterAll(() => closeInstallation(id, app, bus));

describe('full analyses in batches', () => {
  it('stores and announces a turn’s analyses in one statement; a redelivery, or an episode analysed before, is a duplicate', async () => {
    const [a, b, summarised, analysed] = [fp(), fp(), fp(), fp()];
    await app.get(ShedSummaries).store({ ...analysisOf(summarised, 'a summary'), engine: 'knowledge' }, eventIdOf(summarised), 'storm');
    expect(await store(analysed, 'the first analysis')).toBe(true);
    const inserts = jest.spyOn(repository, 'insertFull');
    const runs = jest.spyOn(app.get(TransactionalMessaging), 'run');

    const outcomes = await Promise.all([
      store(a, 'analysis of a'),
      store(b, 'analysis of b'),
      // The same notify event again in the same turn: it must find the first one's inbox row.
      store(a, 'analysis of a, again'),
      // A summary is replaced by the full analysis, and that one is announced.
      store(summarised, 'the full analysis'),
      // Another announcement of an episode analysed before: neither stored nor announced again.
      store(analysed, 'must not replace the first analysis', `notify-${analysed}-other`),
    ]);

    expect(outcomes).toEqual([true, true, false, true, false]);
    // One INSERT for the turn; a's second delivery waits for the first one's batch (same alert), finds its inbox row
    // and writes nothing.
    expect(inserts.mock.calls.map(([, rows]) => rows.map((r) => r.analysis.fingerprint))).toEqual([[a, b, summarised, analysed]]);
    inserts.mockRestore();
    // What the turn staged: the stored analyses only (JetStream would drop a second announcement under the same id,
    // so the bus alone would not show one).
    const staged = (await Promise.all(runs.mock.results.map((result) => result.value as Promise<TransactionResult<unknown>>))).flatMap(
      (outcome) => (outcome.duplicate ? [] : outcome.events),
    );
    runs.mockRestore();
    expect(staged.map((event) => event.id).sort()).toEqual([eventIdOf(a), eventIdOf(b), eventIdOf(summarised)].sort());
    expect(await row(a)).toEqual({ shed_reason: null, event_id: eventIdOf(a), analysis: analysisOf(a, 'analysis of a') });
    expect((await row(summarised))?.shed_reason).toBeNull();
    expect((await row(summarised))?.analysis.summary).toBe('the full analysis');
    expect((await row(analysed))?.analysis.summary).toBe('the first analysis');
    const events = await announced([a, b, summarised, analysed]);
    expect(events.map((e) => [e.id, e.data.summary]).sort()).toEqual(
      [
        [eventIdOf(a), 'analysis of a'],
        [eventIdOf(b), 'analysis of b'],
        [eventIdOf(summarised), 'the full analysis'],
        [eventIdOf(analysed), 'the first analysis'],
      ].sort(),
    );
    expect(events.find((e) => e.data.fingerprint === a)?.data).toEqual(analysisOf(a, 'analysis of a'));
  });

  it('checks a turn’s episodes in one statement', async () => {
    const [stored, unknown] = [fp(), fp()];
    expect(await store(stored, 'stored')).toBe(true);
    const checks = jest.spyOn(repository, 'existing');
    expect(
      await Promise.all([full.exists(stored, STARTS_AT), full.exists(unknown, STARTS_AT), full.exists(stored, '2026-12-08T00:00:00Z')]),
    ).toEqual([true, false, false]);
    expect(checks).toHaveBeenCalledTimes(1);
    checks.mockRestore();
  });

  it('a check that finds Postgres away is an outage to wait out, not a failure counted against the alert', async () => {
    const cut = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    const checks = jest.spyOn(repository, 'existing').mockRejectedValueOnce(cut);
    await expect(full.exists(fp(), STARTS_AT)).rejects.toBeInstanceOf(DependencyUnavailableError);
    checks.mockRestore();
  });

  // The Batcher reruns a failed batch item by item: the good ones stored and announced once, the refused one left
  // unclaimed, so its redelivery is stored once the cause is gone.
  it('a batch failing on one item: the others stored and announced once, the refused one unclaimed until it goes through', async () => {
    const [good1, refused, good2, earlier] = [fp(), fp(), fp(), fp()];
    expect(await store(earlier, 'earlier')).toBe(true);
    const db = app.get(DataSource);
    await db.query(
      `CREATE FUNCTION "${id}".refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
       CREATE TRIGGER refuse_insert BEFORE INSERT ON "${id}".analyses FOR EACH ROW WHEN (NEW.fingerprint = '${refused}')
         EXECUTE FUNCTION "${id}".refuse_insert();`,
    );
    const runs = jest.spyOn(app.get(TransactionalMessaging), 'run');
    const outcomes = await Promise.allSettled([store(good1, 'g1'), store(refused, 'r'), store(good2, 'g2'), store(earlier, 'again')]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).toEqual([true, 'rejected', true, false]);
    const results = await Promise.all(
      runs.mock.results.map((r) => (r.value as Promise<TransactionResult<unknown>>).catch(() => ({ duplicate: true as const }))),
    );
    runs.mockRestore();
    expect(results.flatMap((result) => (result.duplicate ? [] : result.events.map((event) => event.id))).sort()).toEqual(
      [eventIdOf(good1), eventIdOf(good2)].sort(),
    );
    const claimed = await db.query(`SELECT event_id FROM "${id}".inbox WHERE consumer = $1 AND event_id = ANY($2)`, [
      CONSUMER,
      [`notify-${refused}`, `notify-${good1}`, `notify-${good2}`],
    ]);
    expect(claimed.map((r: { event_id: string }) => r.event_id).sort()).toEqual([`notify-${good1}`, `notify-${good2}`].sort());

    await db.query(`DROP TRIGGER refuse_insert ON "${id}".analyses`);
    expect(await store(refused, 'r')).toBe(true);
    await waitFor(async () => (await announced([good1, good2, refused])).length === 3, { message: 'not all announced' });
    const events = await announced([good1, good2, refused, earlier]);
    expect(events.map((e) => e.data.fingerprint).sort()).toEqual([good1, good2, refused, earlier].sort());
  });
});
