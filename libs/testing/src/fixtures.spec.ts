import { alertmanagerFixture, AlertmanagerFixtureName, alertmanagerRequestHeaders, fingerprintVectors } from './fixtures';

describe('alertmanager fixtures', () => {
  it.each<[AlertmanagerFixtureName, string, number, number]>([
    ['firing-group', 'firing', 3, 0],
    ['partially-resolved', 'firing', 3, 0],
    ['resolved', 'resolved', 1, 0],
    ['truncated-max-alerts', 'firing', 2, 3],
  ])('%s loads as a version 4 webhook payload', (name, status, alerts, truncated) => {
    const payload = alertmanagerFixture(name);

    expect(payload).toMatchObject({ version: '4', status, truncatedAlerts: truncated });
    expect(payload.alerts).toHaveLength(alerts);
    for (const alert of payload.alerts) expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps the group firing while one of its alerts resolved', () => {
    const statuses = alertmanagerFixture('partially-resolved').alerts.map((a) => a.status);
    expect(statuses.filter((s) => s === 'resolved')).toHaveLength(1);
  });

  it('returns a fresh copy each call', () => {
    alertmanagerFixture('resolved').alerts.length = 0;
    expect(alertmanagerFixture('resolved').alerts).toHaveLength(1);
  });

  it('has 16 fingerprint vectors from a real Alertmanager', () => {
    const vectors = fingerprintVectors();

    expect(vectors).toHaveLength(16);
    for (const v of vectors) expect(v.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(vectors.filter((v) => v.note)).toHaveLength(1);
  });

  it('parses the captured request headers, bearer then basic auth', () => {
    const requests = alertmanagerRequestHeaders();

    expect(requests).toHaveLength(2);
    expect(requests[0]).toEqual({
      path: '/api/v1/alerts/alertmanager',
      headers: {
        host: '127.0.0.1:5099',
        'user-agent': 'Alertmanager/0.25.0',
        'content-length': '2138',
        authorization: 'Bearer test-token-123',
        'content-type': 'application/json',
      },
    });
    expect(requests[1].headers.authorization).toBe('Basic YWxlcnRtYW5hZ2VyOnMzY3JldA==');
  });
});
