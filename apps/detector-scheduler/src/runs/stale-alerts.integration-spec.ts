import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertFingerprint, deriveEventId } from '@firebreak/contracts';
import { FakeClock, FakeHttpTarget, uniqueTestId } from '@firebreak/testing';
import { BusReader, closeInstallation, runDue, startScheduler, useInstallation } from '../testing/detector-harness';

const ID = uniqueTestId('detector_stale');
const T0 = new Date('2025-03-01T12:00:00.000Z');
const MINUTE = 60_000;

const detectors = (target: string, v: 1 | 2) => `
detectors:
  - { id: svc, type: http, url: '${target}/svc', interval: 1m, labels: { team: ${v === 1 ? 'ops' : 'sre'} } }
  - { id: rec, type: http, url: '${target}/rec', interval: 1m, severity: ${v === 1 ? 'error' : 'critical'} }
${v === 1 ? `  - { id: gone, type: http, url: '${target}/svc', interval: 1m }\n  - { id: off, type: http, url: '${target}/svc', interval: 1m }` : `  - { id: off, type: http, url: '${target}/svc', interval: 1m, enabled: false }`}
`;

describe('alerts of removed, disabled or relabelled detectors resolve', () => {
  const target = new FakeHttpTarget();
  const clock = new FakeClock(T0);
  let rec = 500;
  let bus: BusReader;
  let app: NestFastifyApplication | undefined;

  const fp = (labels: Record<string, string>) => alertFingerprint(labels);
  const old = {
    svc: fp({ alertname: 'svc', detector: 'svc', severity: 'warning', team: 'ops' }),
    rec: fp({ alertname: 'rec', detector: 'rec', severity: 'error' }),
    gone: fp({ alertname: 'gone', detector: 'gone', severity: 'warning' }),
    off: fp({ alertname: 'off', detector: 'off', severity: 'warning' }),
  };
  const relabelled = {
    svc: fp({ alertname: 'svc', detector: 'svc', severity: 'warning', team: 'sre' }),
    rec: fp({ alertname: 'rec', detector: 'rec', severity: 'critical' }),
  };
  const alerts = async () => (await bus.events('alerts.received')).map((e) => [e.data.alert.fingerprint, e.data.alert.status]);

  beforeAll(async () => {
    await target.start();
    target.on('GET', '/svc', () => ({ status: 500 })).on('GET', '/rec', () => ({ status: rec }));
    bus = await useInstallation(ID, { 'detectors.yaml': detectors(target.url, 1) });
  });

  afterAll(async () => {
    await closeInstallation(ID, [app], bus);
    await target.stop();
  });

  it('fire, relabel + restart: each old alert resolved once from its stored labels; the new one fires only if still failing', async () => {
    app = await startScheduler(clock);
    await runDue(app);
    await bus.waitForEvents('alerts.received', 4);
    expect((await alerts()).sort()).toEqual(
      Object.values(old)
        .map((f) => [f, 'firing'])
        .sort(),
    );
    await app.close();

    // The file changes: svc relabelled, rec's severity changed, gone removed, off disabled; rec's target recovered.
    writeFileSync(join(process.env.FIREBREAK_CONFIG_DIR!, 'detectors.yaml'), detectors(target.url, 2));
    rec = 200;
    await clock.advance(30_000); // still the 12:00 tick, stored already: no run, only the sweep at start-up
    app = await startScheduler(clock);
    expect(await runDue(app)).toEqual([]);
    const resolved = await bus.waitForEvents('alerts.received', 4, (e) => e.data.alert.status === 'resolved');
    expect(resolved.map((e) => e.data.alert.fingerprint).sort()).toEqual(Object.values(old).sort());
    const svc = resolved.find((e) => e.data.alert.fingerprint === old.svc)!;
    expect(svc.data.alert).toMatchObject({
      labels: { team: 'ops', detector: 'svc' },
      startsAt: T0.toISOString(),
      endsAt: clock.now().toISOString(),
    });
    expect(svc.id).toBe(deriveEventId('detector', old.svc, 'resolved', T0.toISOString(), clock.now().toISOString()));

    await clock.advance(30_000); // 12:01: svc still fails (fires under its new labels), rec passes (nothing to fire)
    const records = await runDue(app);
    expect(records.map((r) => [r.detector.id, r.alert]).sort()).toEqual([
      ['rec', null],
      ['svc', 'raised'],
    ]);
    const [fired] = await bus.waitForEvents('alerts.received', 1, (e) => e.data.alert.fingerprint === relabelled.svc);
    // The condition has held since 12:00: the new alert's episode starts there.
    expect(fired.data.alert).toMatchObject({ status: 'firing', startsAt: T0.toISOString(), labels: { team: 'sre' } });

    // Once: more polls (this replica's and a restarted one's) resolve nothing again.
    await clock.advance(MINUTE);
    await runDue(app);
    await app.close();
    app = await startScheduler(clock);
    await runDue(app);
    const all = await alerts();
    expect(all.filter(([, status]) => status === 'resolved')).toHaveLength(4);
    expect(all.filter(([f]) => f === relabelled.rec)).toEqual([]);
    expect(all.filter(([f]) => f === relabelled.svc)).toEqual([[relabelled.svc, 'firing']]);
  });
});
