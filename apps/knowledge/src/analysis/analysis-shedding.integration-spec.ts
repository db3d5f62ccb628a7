import { randomBytes, randomUUID } from 'node:crypto';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { CloudEvent, DataOf, streamForSubject } from '@firebreak/contracts';
import { FakeClock, uniqueTestId } from '@firebreak/testing';
import { BusProbe, closeInstallation, http, runbooksDir, startKnowledge, useInstallation, TOKENS } from '../testing/knowledge-harness';

/**
 * Storm shedding on real NATS and Postgres: per alertname the first 2 episodes of a 10-minute window are analysed
 * in full; the global budget holds 5 (refilled at 0.01/s, so not during a test). A FakeClock moves windows.
 */

const id = uniqueTestId('knowledge-shedding');
const clock = new FakeClock(new Date());
const VIEWER = TOKENS.split(',')[0].split(':')[0];
let app: NestFastifyApplication;
let bus: BusProbe;

const fp = () => randomBytes(8).toString('hex');
const STARTS_AT = '2026-12-07T00:00:00.000Z';

function notify(alertname: string, fingerprint: string): DataOf<'alerts.notify'> {
  return {
    kind: 'firing',
    receivedAt: new Date().toISOString(),
    occurrences: 1,
    alert: {
      fingerprint,
      status: 'firing',
      labels: { alertname, severity: 'critical', instance: `host-${fingerprint}` },
      annotations: { summary: `${alertname} on host-${fingerprint}` },
      severity: 'critical',
      startsAt: STARTS_AT,
      endsAt: null,
      generatorURL: '',
    },
  };
}

/** Publishes new episodes at once (a storm), then waits until the knowledge service has handled them all. */
async function storm(alertname: string, count: number): Promise<Array<CloudEvent<DataOf<'alerts.notify'>>>> {
  const events = await Promise.all(
    Array.from({ length: count }, () => {
      const f = fp();
      return bus.publish('alerts.notify', notify(alertname, f), randomUUID());
    }),
  );
  await bus.drained('alerts.notify');
  return events;
}

async function announced(fingerprints: string[]): Promise<string[]> {
  const stream = streamForSubject('alerts.analysis', id);
  const { state } = await bus.connection.jsm.streams.info(stream);
  const out: string[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const msg = await bus.connection.jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (msg?.subject !== bus.subjects.wire('alerts.analysis')) continue;
    const f = msg.json<CloudEvent<DataOf<'alerts.analysis'>>>().data.fingerprint;
    if (fingerprints.includes(f)) out.push(f);
  }
  return out;
}

async function rows(fingerprints: string[]): Promise<Array<{ fingerprint: string; shed_reason: string | null }>> {
  return app
    .get(DataSource)
    .query(`SELECT fingerprint, shed_reason FROM "${id}".analyses WHERE fingerprint = ANY($1) ORDER BY fingerprint`, [fingerprints]);
}

async function counter(name: string, labels: string): Promise<number> {
  const text = await register.getSingleMetricAsString(name);
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

const fingerprintsOf = (events: Array<CloudEvent<DataOf<'alerts.notify'>>>) => events.map((e) => e.data.alert.fingerprint);

beforeAll(async () => {
  bus = await useInstallation(id, {
    runbooksDir: runbooksDir([]),
    env: {
      FIREBREAK_ANALYSIS_STORM_FULL: '2',
      FIREBREAK_ANALYSIS_STORM_WINDOW: '10m',
      FIREBREAK_ANALYSIS_RATE: '0.01',
      FIREBREAK_ANALYSIS_BURST: '5',
      // The FakeClock runs ahead of the events' times when a test moves it on.
      FIREBREAK_ANALYSIS_MAX_AGE_MS: '86400000',
    },
  });
  app = await startKnowledge(clock);
}, 60_000);

afterAll(() => closeInstallation(id, app, bus));

describe('analysis shedding in a storm', () => {
  let stormed: Array<CloudEvent<DataOf<'alerts.notify'>>>;
  let budgeted: Array<CloudEvent<DataOf<'alerts.notify'>>>;

  it('analyses and announces the first 2 of an alertname in full; the rest get a summary pointing at them, stored, counted, not announced', async () => {
    const before = await counter('firebreak_analysis_skipped_total', 'reason="storm"');
    stormed = await storm('KubePodCrashLooping', 6);
    const all = fingerprintsOf(stormed);
    const full = await announced(all);
    expect(full).toHaveLength(2);
    const stored = await rows(all);
    expect(stored).toHaveLength(6);
    expect(stored.filter((r) => r.shed_reason === null).map((r) => r.fingerprint)).toEqual([...full].sort());
    expect(stored.filter((r) => r.shed_reason === 'storm')).toHaveLength(4);
    expect((await counter('firebreak_analysis_skipped_total', 'reason="storm"')) - before).toBe(4);
    const shed = stored.find((r) => r.shed_reason === 'storm')!.fingerprint;
    const answer = await http(app)('GET', `/api/v1/alerts/${shed}/analysis`, VIEWER);
    expect(answer.statusCode).toBe(200);
    expect(answer.json().summary).toMatch(/Not analysed on its own/);
    // It names one of the two analysed in full (the group's first).
    expect(full.some((f) => answer.json().summary.includes(f))).toBe(true);
  });

  it('analyses no more than the budget allows across alertnames; the rest is skipped and counted', async () => {
    // 2 of the 5 tokens went to the storm above.
    const before = await counter('firebreak_analysis_skipped_total', 'reason="budget"');
    const names = ['TargetDown', 'NodeDiskPressure', 'HighLatency', 'CertExpiring'];
    budgeted = (await Promise.all(names.map((name) => storm(name, 1)))).flat();
    const all = fingerprintsOf(budgeted);
    expect(await announced(all)).toHaveLength(3);
    const stored = await rows(all);
    expect(stored.filter((r) => r.shed_reason === 'budget')).toHaveLength(1);
    expect((await counter('firebreak_analysis_skipped_total', 'reason="budget"')) - before).toBe(1);
  });

  it('a redelivery changes nothing: no second announcement, no second count', async () => {
    const all = [...fingerprintsOf(stormed), ...fingerprintsOf(budgeted)];
    const before = {
      rows: await rows(all),
      announced: await announced(all),
      skipped: await counter('firebreak_analysis_skipped_total', ''),
    };
    for (const event of [...stormed, ...budgeted]) await bus.republish('alerts.notify', event);
    await bus.drained('alerts.notify');
    expect(await rows(all)).toEqual(before.rows);
    expect(await announced(all)).toEqual(before.announced);
    expect(await counter('firebreak_analysis_skipped_total', '')).toBe(before.skipped);
  });

  it('a shed episode announced again in a later window (places and budget free) is still not analysed; its place goes to a new one', async () => {
    await clock.advance(11 * 60_000);
    const again = [...stormed, ...budgeted];
    const all = fingerprintsOf(again);
    const before = { rows: await rows(all), announced: await announced(all), made: await counter('firebreak_analysis_total', '') };
    // New events for the same episodes (another id: not the inbox's business, the episode's row's).
    for (const event of again) await bus.publish('alerts.notify', event.data, randomUUID());
    await bus.drained('alerts.notify');
    expect(await rows(all)).toEqual(before.rows);
    expect(await announced(all)).toEqual(before.announced);
    expect(await counter('firebreak_analysis_total', '')).toBe(before.made);
    // The places they were admitted to went back: a new episode of the storm is analysed in full.
    const fresh = fingerprintsOf(await storm('KubePodCrashLooping', 1));
    expect(await announced(fresh)).toEqual(fresh);
  });
});
