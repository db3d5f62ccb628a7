import { alertFingerprint } from '@firebreak/contracts';
import { alertmanagerPayload, DEMO_RUNBOOK, hostPort, sampleAlerts } from './sample-alerts';

describe('the demo sample alerts', () => {
  const alerts = sampleAlerts('127.0.0.1:8080');
  const startsAt = new Date('2026-12-06T10:00:00.000Z');
  const now = new Date('2026-12-06T10:01:00.000Z');

  it('has one alert choosing the demo runbook, probing the ingress it is sent to', () => {
    const probing = alerts.filter((alert) => alert.annotations.automation_runbook === DEMO_RUNBOOK);
    expect(probing).toHaveLength(1);
    expect(probing[0].labels.instance).toBe('127.0.0.1:8080');
  });

  it('sends them as an Alertmanager v4 notification, firing then resolved with the same fingerprints', () => {
    const firing = alertmanagerPayload(alerts, 'firing', now, startsAt);
    const resolved = alertmanagerPayload(alerts, 'resolved', now, startsAt);
    expect(firing).toMatchObject({ version: '4', status: 'firing' });
    expect(firing.alerts.map((a) => a.endsAt)).toEqual(alerts.map(() => '0001-01-01T00:00:00Z'));
    expect(resolved.alerts.map((a) => a.endsAt)).toEqual(alerts.map(() => '2026-12-06T10:01:00.000Z'));
    expect(resolved.alerts.map((a) => a.fingerprint)).toEqual(firing.alerts.map((a) => a.fingerprint));
    expect(firing.alerts[0].fingerprint).toBe(alertFingerprint(alerts[0].labels));
  });

  it('makes the port of the ingress URL explicit for the probe', () => {
    expect(hostPort('http://127.0.0.1:8080')).toBe('127.0.0.1:8080');
    expect(hostPort('http://localhost')).toBe('localhost:80');
    expect(hostPort('https://ingress.example')).toBe('ingress.example:443');
  });
});
