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

  it('accepts Go-style nanosecond fractions and offsets', async () => {
    const response = await post(app, { body: oneAlert({ startsAt: '2026-11-22T11:00:00.123456789+02:00' }) });
    expect(response.statusCode).toBe(200);
    const [eventId] = response.json().eventIds as string[];
    const event = (await storedAlertEvents(app)).find((entry) => entry.event.id === eventId)!.event;
    expect(event.data.alert.startsAt).toBe('2026-11-22T09:00:00.123Z');
  });
});
