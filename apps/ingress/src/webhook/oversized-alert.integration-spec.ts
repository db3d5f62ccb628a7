import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { deriveEventId } from '@firebreak/contracts';
import { alertmanagerFixture, resolveNatsUrl, uniqueTestId } from '@firebreak/testing';
import {
  post,
  startIngress,
  stopIngress,
  storedAlertCount,
  storedAlertEvents,
  storedBatches,
  storedMessageCount,
} from '../testing/ingress-harness';

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
    expect(Buffer.byteLength(JSON.stringify(huge.batch))).toBeLessThanOrEqual(1_048_576);
    // The group still arrives whole and in order: the huge alert in a message of its own, between its neighbours'.
    expect(events.slice(-3).map((entry) => entry.event.id)).toEqual(response.json().eventIds);
  });

  it('splits a webhook larger than one NATS message into messages that fit, in order; a resend stores none again', async () => {
    const fixture = alertmanagerFixture('firing-group');
    const template = fixture.alerts[0];
    // 24 alerts of ~100 kB: about 2.4 MB, so at least three messages of 1 MiB.
    // No fingerprints sent: the ingress computes each from its labels.
    const { fingerprint: _sent, ...unfingerprinted } = template;
    const body = {
      ...fixture,
      alerts: Array.from({ length: 24 }, (_, index) => ({
        ...unfingerprinted,
        labels: { ...template.labels, instance: `chunk-${index}` },
        annotations: { description: 'z'.repeat(50_000), summary: 's'.repeat(50_000) },
      })),
    };
    const messagesBefore = await storedMessageCount(app);

    const response = await post(app, { body });

    expect(response.statusCode).toBe(200);
    const eventIds: string[] = response.json().eventIds;
    expect(eventIds).toHaveLength(24);
    const batches = (await storedBatches(app)).slice(messagesBefore);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    for (const batch of batches) {
      expect(Buffer.byteLength(JSON.stringify(batch.event))).toBeLessThanOrEqual(1_048_576);
      const ids = batch.event.data.alerts.map((alert) => alert.id);
      expect(batch.msgId).toBe(deriveEventId('alerts.received.batch', ...ids));
    }
    const stored = batches.flatMap((batch) => batch.event.data.alerts);
    expect(stored.map((alert) => alert.id)).toEqual(eventIds);
    expect(stored.map((alert) => alert.data.alert.labels.instance)).toEqual(body.alerts.map((alert) => alert.labels.instance));
    expect(stored.every((alert) => alert.data.alert.annotations.firebreak_truncated === undefined)).toBe(true);

    const resent = await post(app, { body });

    expect(resent.statusCode).toBe(200);
    expect(resent.json().eventIds).toEqual(eventIds);
    expect(await storedMessageCount(app)).toBe(messagesBefore + batches.length);
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
