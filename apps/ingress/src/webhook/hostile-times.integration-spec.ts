import { AlertReceivedSchema } from '@firebreak/contracts';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertmanagerFixture, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { post, startIngress, stopIngress, storedAlertEvents } from '../testing/ingress-harness';

/** One firing alert of the captured group, with the times given, new to the stream. */
function oneAlert(times: { startsAt: string; endsAt?: string; status?: 'firing' | 'resolved' }) {
  const fixture = alertmanagerFixture('firing-group');
  const [alert] = fixture.alerts;
  const edited = {
    ...alert,
    status: times.status ?? 'firing',
    startsAt: times.startsAt,
    endsAt: times.endsAt ?? '0001-01-01T00:00:00Z',
    labels: { ...alert.labels, case: uniqueTestId('t') },
  };
  delete (edited as { fingerprint?: string }).fingerprint;
  return { ...fixture, status: edited.status, alerts: [edited] };
}

describe('the webhook with hostile timestamps', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('ingress');
    process.env.FIREBREAK_WEBHOOK_AUTH = 'none';
    process.env.LOG_LEVEL = 'silent';
    app = await startIngress();
  });

  afterAll(() => stopIngress(app));

  it.each([
    ['a six-digit year', '+010000-01-01T00:00:00Z'],
    ['no zone', '2026-11-22T11:00:00'],
    ['a date only', '2026-11-22'],
    ['an hour past 23', '2026-11-22T25:00:00Z'],
  ])('answers 400 naming the field for %s, and publishes nothing', async (_case, startsAt) => {
    const before = (await storedAlertEvents(app)).length;
    const response = await post(app, { body: oneAlert({ startsAt }) });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/alerts\.0\.startsAt: must be an RFC 3339 timestamp with a four-digit year/);
    expect((await storedAlertEvents(app)).length).toBe(before);
  });

  // Four-digit years as sent, but a negative offset carries UTC into year 10000, which alerts.received
  // cannot carry: refused as before the trusted publish (it was dead-lettered after a 200).
  it.each([
    ['startsAt', { startsAt: '9999-12-31T23:59:59-01:00' }],
    ['startsAt', { startsAt: '9999-12-31T23:30:00.5-00:31' }],
    ['endsAt', { status: 'resolved' as const, startsAt: '2026-11-22T11:00:00Z', endsAt: '9999-12-31T23:59:59-01:00' }],
  ])('answers 400 invalid_alert when %s is past year 9999 in UTC, and publishes nothing', async (field, times) => {
    const before = (await storedAlertEvents(app)).length;
    const response = await post(app, { body: oneAlert(times) });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_alert');
    expect(response.json().error.message).toMatch(new RegExp(`an alert cannot be carried: .*alert\\.${field}`));
    expect((await storedAlertEvents(app)).length).toBe(before);
  });

  it.each([
    ['a just-in-range year 9999', { startsAt: '9999-12-31T22:59:59-01:00' }, '9999-12-31T23:59:59.000Z', null],
    ['year 0000 with a negative offset', { startsAt: '0000-01-01T00:00:00-01:00' }, '1970-01-01T00:00:00.000Z', null],
    ['year 0000 with a positive offset (UTC in year -1)', { startsAt: '0000-01-01T00:30:00+01:00' }, '1970-01-01T00:00:00.000Z', null],
    [
      'a resolved alert ending in year 0000 (UTC in year -1)',
      { status: 'resolved' as const, startsAt: '2026-11-22T11:00:00Z', endsAt: '0000-01-01T00:00:00+00:01' },
      '2026-11-22T11:00:00.000Z',
      null,
    ],
  ])('accepts %s and publishes an event that meets its contract', async (_case, times, startsAt, endsAt) => {
    const response = await post(app, { body: oneAlert(times) });
    expect(response.statusCode).toBe(200);
    const [eventId] = response.json().eventIds as string[];
    const event = (await storedAlertEvents(app)).find((entry) => entry.event.id === eventId)!.event;
    expect(AlertReceivedSchema.safeParse(event.data).success).toBe(true);
    expect(event.data.alert.startsAt).toBe(startsAt);
    expect(event.data.alert.endsAt).toBe(endsAt);
  });

  it('accepts Go-style nanosecond fractions and offsets', async () => {
    const response = await post(app, { body: oneAlert({ startsAt: '2026-11-22T11:00:00.123456789+02:00' }) });
    expect(response.statusCode).toBe(200);
    const [eventId] = response.json().eventIds as string[];
    const event = (await storedAlertEvents(app)).find((entry) => entry.event.id === eventId)!.event;
    expect(event.data.alert.startsAt).toBe('2026-11-22T09:00:00.123Z');
  });
});
