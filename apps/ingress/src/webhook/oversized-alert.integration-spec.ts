import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { alertmanagerFixture, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import { post, startIngress, stopIngress, storedAlertCount, storedAlertEvents } from '../testing/ingress-harness';

describe('a webhook with an alert larger than one NATS message', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    process.env.NATS_URL = await resolveNatsUrl();
    process.env.FIREBREAK_SUBJECT_PREFIX = uniqueTestId('oversized');
    process.env.FIREBREAK_WEBHOOK_AUTH = 'none';
    // Above the local server's max_payload (1 MiB by default), so the body passes the edge.
    process.env.FIREBREAK_WEBHOOK_MAX_BYTES = String(4 * 1_048_576);
    process.env.LOG_LEVEL = 'silent';
    app = await startIngress();
  });

  afterAll(() => stopIngress(app));

  it('cuts the annotations of the huge alert to fit and publishes the whole group, labels untouched', async () => {
    const fixture = alertmanagerFixture('firing-group');
    const annotations = Object.fromEntries(Array.from({ length: 24 }, (_, index) => [`blob_${index}`, 'x'.repeat(60_000)]));
    fixture.alerts[1] = { ...fixture.alerts[1], annotations: { ...fixture.alerts[1].annotations, ...annotations } };
    const before = await storedAlertCount(app);

    const response = await post(app, { body: fixture });

    expect(response.statusCode).toBe(200);
    expect(await storedAlertCount(app)).toBe(before + fixture.alerts.length);
    const events = await storedAlertEvents(app);
    const huge = events.find(
      (entry) =>
        entry.event.data.alert.labels.instance === fixture.alerts[1].labels.instance &&
        entry.event.data.alert.annotations.firebreak_truncated,
    )!;
    expect(huge.event.data.alert.labels).toEqual(fixture.alerts[1].labels);
    expect(Buffer.byteLength(JSON.stringify(huge.event))).toBeLessThanOrEqual(1_048_576);
  });

  it('answers 413 (Alertmanager does not retry it) and publishes none of the request when labels alone are too large', async () => {
    const fixture = alertmanagerFixture('firing-group');
    const labels = Object.fromEntries(Array.from({ length: 24 }, (_, index) => [`blob_${index}`, 'y'.repeat(60_000)]));
    fixture.alerts[1] = { ...fixture.alerts[1], labels: { ...fixture.alerts[1].labels, ...labels } };
    delete (fixture.alerts[1] as { fingerprint?: string }).fingerprint;
    const before = await storedAlertCount(app);

    const response = await post(app, { body: fixture });

    expect(response.statusCode).toBe(413);
    expect(response.json().error).toMatchObject({ code: 'payload_too_large', message: expect.stringMatching(/labels/) });
    expect(await storedAlertCount(app)).toBe(before);
  });
});
