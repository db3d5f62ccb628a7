import { randomBytes, randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { Alert, CloudEvent, DataOf, streamForSubject } from '@firebreak/contracts';
import { uniqueTestId, waitFor } from '@firebreak/testing';
import { BusProbe, closeInstallation, runbooksDir, startKnowledge, useInstallation } from '../testing/knowledge-harness';
import { AnalysisService } from './analysis.service';

/**
 * The shedder's give-backs and races, on real Postgres and NATS, through the service itself: 2 full analyses per
 * alertname and window, budget out of the way. The model call is held open where a race needs it.
 */

const id = uniqueTestId('kn-shed-races');
let app: NestFastifyApplication;
let bus: BusProbe;
let service: AnalysisService;

const fp = () => randomBytes(8).toString('hex');
const inbox = () => ({ consumer: 'knowledge-alerts-notify', eventId: randomUUID() });
const alert = (alertname: string, fingerprint: string): Alert => ({
  fingerprint,
  status: 'firing',
  labels: { alertname, severity: 'critical' },
  annotations: {},
  severity: 'critical',
  startsAt: '2026-12-07T00:00:00.000Z',
  endsAt: null,
  generatorURL: '',
});
const analyse = (a: Alert, key = inbox()) => service.analyseEpisode(a, key, new Date());

/** Holds the next analysis of `fingerprint` (only that one) after the service found the episode without a row. */
function holdAnalysis(fingerprint: string) {
  const original = service.analyse.bind(service);
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const started = new Promise<void>((resolve) => (entered = resolve));
  let holding = false;
  const spy = jest.spyOn(service, 'analyse').mockImplementation(async (a, since) => {
    if (a.fingerprint === fingerprint && !holding) {
      holding = true;
      entered();
      await gate;
    }
    return original(a, since);
  });
  return { started, release: () => (release(), spy.mockRestore()) };
}

async function row(fingerprint: string): Promise<{ shed_reason: string | null; summary: string }> {
  const rows = await app
    .get(DataSource)
    .query(`SELECT shed_reason, analysis->>'summary' AS summary FROM "${id}".analyses WHERE fingerprint = $1`, [fingerprint]);
  return rows[0];
}

async function announced(fingerprint: string): Promise<number> {
  const stream = streamForSubject('alerts.analysis', id);
  const { state } = await bus.connection.jsm.streams.info(stream);
  let count = 0;
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const msg = await bus.connection.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (msg?.json<CloudEvent<DataOf<'alerts.analysis'>>>().data.fingerprint === fingerprint) count++;
  }
  return count;
}

beforeAll(async () => {
  bus = await useInstallation(id, {
    runbooksDir: runbooksDir([]),
    env: { FIREBREAK_ANALYSIS_STORM_FULL: '2', FIREBREAK_ANALYSIS_RATE: '1000', FIREBREAK_ANALYSIS_BURST: '1000' },
  });
  app = await startKnowledge();
  service = app.get(AnalysisService);
}, 60_000);

afterAll(() => closeInstallation(id, app, bus));

describe('analysis shedding: give-backs and races', () => {
  it('gives the place back when an attempt throws: the group still gets its full analyses', async () => {
    const refused = fp();
    await app.get(DataSource).query(
      `CREATE FUNCTION "${id}".refuse_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
       CREATE TRIGGER refuse_insert BEFORE INSERT ON "${id}".analyses FOR EACH ROW WHEN (NEW.fingerprint = '${refused}')
         EXECUTE FUNCTION "${id}".refuse_insert();`,
    );
    await expect(analyse(alert('Refused', refused))).rejects.toThrow(/refused by the test/);
    expect(await row(refused)).toBeUndefined();
    expect(await analyse(alert('Refused', fp()))).toBe('analysed');
    expect(await analyse(alert('Refused', fp()))).toBe('analysed');
    expect(await analyse(alert('Refused', fp()))).toBe('storm');
  });

  it('gives the place back when another attempt stored the episode first (a lost insert race)', async () => {
    const episode = alert('Raced', fp());
    const held = holdAnalysis(episode.fingerprint);
    const slow = analyse(episode);
    await held.started;
    // Another announcement of the episode (another event id) is analysed and stored meanwhile.
    expect(await analyse(episode)).toBe('analysed');
    held.release();
    expect(await slow).toBe('duplicate');
    expect(await analyse(alert('Raced', fp()))).toBe('analysed');
    expect(await analyse(alert('Raced', fp()))).toBe('storm');
    await waitFor(async () => (await announced(episode.fingerprint)) === 1);
  });

  it('keeps and announces a full analysis whose redelivery was shed while the model was asked', async () => {
    const leader = alert('Redelivered', fp());
    const delivery = inbox();
    const held = holdAnalysis(leader.fingerprint);
    const first = analyse(leader, delivery);
    await held.started;
    expect(await analyse(alert('Redelivered', fp()))).toBe('analysed'); // the group's second place
    // The ack wait ran out during the model call: the same event again, and the group's places are taken.
    expect(await analyse(leader, delivery)).toBe('storm');
    const member = alert('Redelivered', fp());
    expect(await analyse(member)).toBe('storm');
    held.release();
    expect(await first).toBe('analysed');
    const stored = await row(leader.fingerprint);
    expect(stored.shed_reason).toBeNull();
    expect(stored.summary).not.toMatch(/Not analysed/);
    await waitFor(async () => (await announced(leader.fingerprint)) === 1);
    // The member's summary names it as started, which it was; the same event once more changes nothing.
    expect((await row(member.fingerprint)).summary).toContain(`A full analysis of this storm was started for alert ${leader.fingerprint}`);
    expect(await analyse(leader, delivery)).toBe('duplicate');
    expect((await row(leader.fingerprint)).shed_reason).toBeNull();
    expect(await announced(leader.fingerprint)).toBe(1);
  });
});
