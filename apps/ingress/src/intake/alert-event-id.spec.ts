import { AlertReceived, deriveEventId } from '@firebreak/contracts';
import { alertEventId } from './alert-event-id';

const received = (alert: Partial<AlertReceived['alert']> = {}, source: AlertReceived['source'] = 'alertmanager'): AlertReceived => ({
  source,
  receivedAt: '2026-11-22T10:45:10.000Z',
  receiver: 'sre-pipeline',
  alert: {
    fingerprint: '4b5a2efccfcd5c83',
    status: 'firing',
    labels: { alertname: 'ServiceDown' },
    annotations: {},
    severity: 'critical',
    startsAt: '2026-11-22T10:45:04.000Z',
    endsAt: null,
    generatorURL: '',
    ...alert,
  },
});

describe('the event id of an alert', () => {
  it('is derived from source, fingerprint, status, startsAt and endsAt', () => {
    expect(alertEventId(received())).toBe(deriveEventId('alertmanager', '4b5a2efccfcd5c83', 'firing', '2026-11-22T10:45:04.000Z', null));
  });

  it('is the same for a resent notification, whenever it arrives and whatever else it carries', () => {
    const resent = {
      ...received({ annotations: { summary: 'changed wording' } }),
      receivedAt: '2026-11-22T10:50:00.000Z',
      receiver: 'other',
    };
    expect(alertEventId(resent)).toBe(alertEventId(received()));
  });

  it('changes with the status, the times, the fingerprint and the source', () => {
    const ids = [
      received(),
      received({ status: 'resolved', endsAt: '2026-11-22T11:00:00.000Z' }),
      received({ status: 'resolved', endsAt: '2026-11-22T11:01:00.000Z' }),
      received({ startsAt: '2026-11-22T12:00:00.000Z' }),
      received({ fingerprint: '0000000000000001' }),
      received({}, 'api'),
    ].map(alertEventId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
